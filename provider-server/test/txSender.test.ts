// One nonce allocator for the owner: concurrent sends, two senders on one data dir (the server and
// the CLI), and a transaction signed and stored but never broadcast before a crash — every nonce is
// used once, in order, with no gap.
import { serverContractAbi } from "@pekanu/protocol";
import { type Address, encodeFunctionData, keccak256 } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTxSender, TxRevertedError } from "../src/chain/createTxSender.ts";
import { createLogger } from "../src/createLogger.ts";
import { type HardhatNode, type TestProvider, chainClients, startHardhatNode, startProvider, testAccount, testKey } from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;
const owner = testAccount(0).address;
const log = createLogger({ level: "silent" });
let clients: ReturnType<typeof chainClients>;
const stranger = (): Address => privateKeyToAccount(generatePrivateKey()).address;

beforeAll(async () => {
  node = await startHardhatNode();
  provider = await startProvider({ rpcUrl: node.rpcUrl });
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

const minedNonce = () => clients.publicClient.getTransactionCount({ address: owner, blockTag: "latest" });

describe("transaction sender", () => {
  it("50 concurrent sends get 50 consecutive nonces and are all mined", async () => {
    const ctx = provider.server.context;
    const before = await minedNonce();
    const hashes = await Promise.all(Array.from({ length: 50 }, () => ctx.txSender.submit({ functionName: "registerClient", args: [stranger()] })));
    const receipts = await Promise.all(hashes.map((h) => ctx.txSender.wait(h)));
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    const nonces = (await Promise.all(hashes.map(async (h) => (await ctx.store.outbox.findByHash(owner, h))!.nonce))).sort((a, b) => a - b);
    expect(nonces).toEqual(Array.from({ length: 50 }, (_, i) => before + i));
    expect(await minedNonce()).toBe(before + 50);
  });

  it("two senders on one database (server and CLI) never take the same nonce", async () => {
    const ctx = provider.server.context;
    const other = createTxSender({ chain: ctx.chain, address: ctx.deployment.address, log, store: ctx.store });
    const before = await minedNonce();
    const hashes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? other : ctx.txSender).submit({ functionName: "registerClient", args: [stranger()] })),
    );
    const receipts = await Promise.all(hashes.map((h, i) => (i % 2 ? other : ctx.txSender).wait(h)));
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    expect(new Set(await Promise.all(hashes.map(async (h) => (await ctx.store.outbox.findByHash(owner, h))!.nonce))).size).toBe(20);
    expect(await minedNonce()).toBe(before + 20);
    await other.stop();
  });

  it("a transaction stored but never broadcast (crash) is sent by the next start, and later nonces follow it", async () => {
    const ctx = provider.server.context;
    const before = await minedNonce();
    const nonce = Math.max(before, (await ctx.store.outbox.maxNonce(owner)) + 1);
    const target = stranger();
    const raw = await ctx.chain.owner.signTransaction({
      type: "eip1559",
      chainId: ctx.chain.chainId,
      to: ctx.deployment.address,
      data: encodeFunctionData({ abi: serverContractAbi, functionName: "registerClient", args: [target] }),
      gas: 200_000n,
      nonce,
      maxFeePerGas: 50_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
    });
    const hash = keccak256(raw);
    const now = Date.now();
    await ctx.store.outbox.add({
      account: owner,
      nonce,
      label: "registerClient (crash)",
      to: ctx.deployment.address,
      data: "0x",
      value: 0n,
      gas: 200_000n,
      deadline: null,
      openedAt: null,
      maxFeePerGas: 50_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      raw,
      hashes: [hash],
      firstSentAt: now,
      lastSentAt: now,
    });
    const restarted = createTxSender({ chain: ctx.chain, address: ctx.deployment.address, log, store: ctx.store, pollIntervalMs: 100 });
    const next = await restarted.submit({ functionName: "registerClient", args: [stranger()] });
    expect((await ctx.store.outbox.findByHash(owner, next))!.nonce).toBe(nonce + 1);
    expect((await restarted.wait(hash)).status).toBe("success");
    expect((await restarted.wait(next)).status).toBe("success");
    expect(await clients.publicClient.readContract({ address: ctx.deployment.address, abi: serverContractAbi, functionName: "isRegistered", args: [target] })).toBe(true);
    expect(await minedNonce()).toBe(nonce + 2);
    await restarted.stop();
  });

  it("a call the contract refuses costs nothing and takes no nonce", async () => {
    const ctx = provider.server.context;
    const maxBefore = await ctx.store.outbox.maxNonce(owner);
    const error = await ctx.txSender.submit({ functionName: "withdrawStake", args: [10n ** 30n] }).catch((e) => e);
    expect(error).toBeInstanceOf(TxRevertedError);
    expect(await ctx.store.outbox.maxNonce(owner)).toBe(maxBefore);
  });
});
