// Answers land before their deadlines whatever happens around them: a fee spike with mining paused
// (the answer and a stuck unrelated transaction ahead of it are re-sent with higher fees, same
// nonces), and a client that stalls its upload with the connection open and then disputes (the
// dispute is refunded in time; the provider pays only gas and the client's claimPenalty reverts).
import { request } from "node:http";
import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import { type Hex, parseGwei } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HardhatNode,
  type TestProvider,
  chainClients,
  chainControl,
  contractReader,
  payQuote,
  signIn,
  startHardhatNode,
  startProvider,
  testAccount,
  testFile,
  testKey,
  waitFor,
} from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;
const alice = testAccount(1);
const owner = testAccount(0).address;
let clients: ReturnType<typeof chainClients>;
const CEILING = parseGwei("5000");

beforeAll(async () => {
  node = await startHardhatNode();
  provider = await startProvider({ rpcUrl: node.rpcUrl, config: { maxFeePerGas: CEILING } });
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  await (await signIn({ baseUrl: provider.baseUrl, account: alice })).register();
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

async function paidOrder(size = 5000) {
  const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
  const file = testFile(size);
  const quote = await client.quote({ fileRoot: file.root, size: file.size, storageDays: 2 });
  await payQuote({ clients, contract: provider.contract, quote });
  return { client, quote, file };
}

const reader = () => contractReader({ rpcUrl: node.rpcUrl, address: provider.contract });
const stateOf = async (orderId: Hex) => orderStateName((await reader().orderOf(orderId))[0]);
const withdrawable = (account: Hex) =>
  clients.publicClient.readContract({ address: provider.contract, abi: serverContractAbi, functionName: "withdrawable", args: [account] });

describe("answers meet their deadlines", () => {
  it("fee spike with mining paused: a stuck transaction and the answer behind it are re-sent with higher fees and land in time", async () => {
    const { quote } = await paidOrder();
    const orderId = quote.quote.orderId;
    const control = chainControl({ rpcUrl: node.rpcUrl });
    const ctx = provider.server.context;
    await control.call("evm_setAutomine", [false]);
    let mining = true;
    const spike = parseGwei("1000");
    try {
      // An unrelated owner transaction (no deadline) goes out at today's low fees…
      const stranger = privateKeyToAccount(generatePrivateKey()).address;
      const stuckHash = await ctx.txSender.submit({ functionName: "registerClient", args: [stranger] });
      const stuck = (await ctx.store.outbox.findByHash(owner, stuckHash))!;
      expect(stuck.maxFeePerGas).toBeLessThan(spike);
      // …then the base fee jumps to 1000 gwei for every block, mined by hand every second.
      const miner = (async () => {
        while (mining) {
          await control.call("hardhat_setNextBlockBaseFeePerGas", [`0x${spike.toString(16)}`]);
          await control.call("evm_mine");
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      const dispute = await clients.walletClient.writeContract({
        address: provider.contract,
        abi: serverContractAbi,
        functionName: "disputeDelivery",
        args: [quote.quote],
        maxFeePerGas: 3n * spike,
        maxPriorityFeePerGas: parseGwei("1"),
      });
      const disputed = await clients.publicClient.waitForTransactionReceipt({ hash: dispute });
      const [deadline] = await reader().pendingOf(orderId);
      expect(deadline).toBeGreaterThan(0n);
      // The refund sits behind the stuck nonce: both must be bumped (the stuck one inherits the deadline).
      await waitFor(async () => (await stateOf(orderId)) === "Refunded", { what: "refund mined", timeoutMs: 60_000 });
      const task = (await ctx.store.tasks.forOrder(orderId))[0]!;
      await waitFor(async () => (await ctx.store.tasks.forOrder(orderId))[0]?.status === "done", { what: "task done", timeoutMs: 10_000 });
      const refundRecord = (await ctx.store.outbox.findByHash(owner, task.txHash!))!;
      const stuckRecord = (await ctx.store.outbox.findByHash(owner, stuckHash))!;
      expect(refundRecord.nonce).toBe(stuck.nonce + 1);
      expect(stuckRecord.status).toBe("mined");
      expect(refundRecord.status).toBe("mined");
      // The stuck one was re-sent (same nonce, new fees) well before its own 60 s bump time.
      expect(stuckRecord.hashes.length).toBeGreaterThan(1);
      const refundReceipt = await clients.publicClient.getTransactionReceipt({ hash: refundRecord.minedHash! });
      const block = await clients.publicClient.getBlock({ blockNumber: refundReceipt.blockNumber });
      expect(block.timestamp).toBeLessThanOrEqual(deadline);
      expect(block.baseFeePerGas).toBe(spike);
      expect(refundReceipt.effectiveGasPrice).toBeGreaterThanOrEqual(spike);
      expect(refundReceipt.effectiveGasPrice).toBeLessThanOrEqual(CEILING);
      expect(disputed.status).toBe("success");
      expect(await withdrawable(alice.address)).toBeGreaterThanOrEqual(quote.quote.price);
      mining = false;
      await miner;
    } finally {
      mining = false;
      await control.call("evm_setAutomine", [true]);
      await control.call("evm_mine");
    }
  });

  it("a stalled upload does not hold the dispute: refunded before the deadline, the provider pays only gas, claimPenalty reverts", async () => {
    const { quote } = await paidOrder(5000);
    const orderId = quote.quote.orderId;
    const { token: bearer } = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const url = new URL(`${provider.baseUrl}/v1/orders/${orderId}/content`);
    // 1,000 of 5,000 bytes, then nothing, connection open.
    const stalled = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: "PUT",
      headers: { "content-type": "application/octet-stream", "content-length": "5000", authorization: `Bearer ${bearer}` },
    });
    stalled.on("error", () => {});
    stalled.on("response", (response) => response.resume());
    stalled.write(Buffer.alloc(1000, 7));
    await waitFor(() => provider.server.context.busyOrders.has(orderId), { what: "upload in progress" });

    const ownerBalance = await clients.publicClient.getBalance({ address: owner });
    const ownerCredit = await withdrawable(owner);
    const stakeBefore = await reader().stake();
    const aliceCredit = await withdrawable(alice.address);
    const hash = await clients.walletClient.writeContract({ address: provider.contract, abi: serverContractAbi, functionName: "disputeDelivery", args: [quote.quote] });
    await clients.publicClient.waitForTransactionReceipt({ hash });
    const [deadline] = await reader().pendingOf(orderId);

    await waitFor(async () => (await stateOf(orderId)) === "Refunded", { what: "refund", timeoutMs: 70_000, intervalMs: 250 });
    const task = (await provider.server.context.store.tasks.forOrder(orderId))[0]!;
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(orderId))[0]?.status === "done", { what: "task done" });
    const record = (await provider.server.context.store.outbox.findByHash(owner, task.txHash!))!;
    const receipt = await clients.publicClient.getTransactionReceipt({ hash: record.minedHash! });
    const block = await clients.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(block.timestamp).toBeLessThanOrEqual(deadline);
    // In wei: the owner's balance moved by exactly the refund's gas; its credit and stake did not move.
    const gas = receipt.gasUsed * receipt.effectiveGasPrice;
    expect(await clients.publicClient.getBalance({ address: owner })).toBe(ownerBalance - gas);
    expect(await withdrawable(owner)).toBe(ownerCredit);
    // The stake is whole; the fine locked for the order is free again.
    const [total, locked] = await reader().stake();
    expect(total).toBe(stakeBefore[0]);
    expect(locked).toBe(stakeBefore[1] - quote.quote.fine);
    expect(await withdrawable(alice.address)).toBe(aliceCredit + quote.quote.price);
    // After the deadline the client has nothing to claim.
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(61);
    await expect(
      clients.walletClient.writeContract({ address: provider.contract, abi: serverContractAbi, functionName: "claimPenalty", args: [quote.quote] }),
    ).rejects.toThrow();
    expect(await stateOf(orderId)).toBe("Refunded");
    stalled.destroy();
  });
});
