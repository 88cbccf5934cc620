// The provider collects its earnings by itself: orders Paid past paidAt + settleDelay are settled,
// orders past storageUntil are released (in one release when never settled), disputed or
// challenged orders are left alone, and nothing is sent twice. Time moves with evm_increaseTime.
import { chmod, rm } from "node:fs/promises";
import { orderStateName, type QuoteResponse, serverContractAbi } from "@pekanu/protocol";
import type { Hex } from "viem";
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

beforeAll(async () => {
  node = await startHardhatNode();
  // Blobs on disk on every backend: a test deletes a blob file to make a challenge unanswerable.
  provider = await startProvider({ rpcUrl: node.rpcUrl, config: { collectIntervalMs: 150, blobStore: "disk" } });
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  await (await signIn({ baseUrl: provider.baseUrl, account: alice })).register();
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

async function order({ storageDays, upload = true }: { storageDays: number; upload?: boolean }) {
  const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
  const file = testFile(3000);
  const quote = await client.quote({ fileRoot: file.root, size: file.size, storageDays });
  await payQuote({ clients, contract: provider.contract, quote });
  const receipt = upload ? await client.upload(quote.quote.orderId, file.bytes) : undefined;
  return { quote, file, receipt };
}

const reader = () => contractReader({ rpcUrl: node.rpcUrl, address: provider.contract });
const stateOf = async (orderId: Hex) => orderStateName((await reader().orderOf(orderId))[0]);
const ownerNonce = () => clients.publicClient.getTransactionCount({ address: owner });
const earned = () =>
  clients.publicClient.readContract({ address: provider.contract, abi: serverContractAbi, functionName: "withdrawable", args: [owner] });
const eventNames = async (orderId: Hex) => (await provider.server.context.store.chainEvents.forOrder(orderId)).map((e) => e.name);
/** Lets the collector run several times. */
const idle = () => new Promise((r) => setTimeout(r, 800));

describe("earnings collector", () => {
  let a: QuoteResponse;
  let b: QuoteResponse;
  let challenged: QuoteResponse;
  let d: QuoteResponse;

  it("sends nothing before the settle delay, but learns each order's payment time", async () => {
    a = (await order({ storageDays: 1 })).quote;
    b = (await order({ storageDays: 2, upload: false })).quote;
    // A challenge the provider cannot answer (its blob is gone): the order stays Challenged.
    const c = await order({ storageDays: 1 });
    challenged = c.quote;
    const path = provider.server.context.blobs.blobPath(c.file.root);
    await chmod(path, 0o600).catch(() => {});
    await rm(path);
    const { challengeBond } = await reader().params();
    const hash = await clients.walletClient.writeContract({
      address: provider.contract,
      abi: serverContractAbi,
      functionName: "challengeStorage",
      args: [c.quote.quote, c.receipt!.link, c.receipt!.signature, [0n]],
      value: challengeBond,
    });
    await clients.publicClient.waitForTransactionReceipt({ hash });
    await waitFor(async () => (await provider.server.context.store.tasks.forOrder(challenged.quote.orderId))[0]?.status === "failed", { what: "challenge task failed" });

    const nonce = await ownerNonce();
    await idle();
    expect(await ownerNonce()).toBe(nonce);
    for (const q of [a, b]) {
      expect(await stateOf(q.quote.orderId)).toBe("Paid");
      const [, , paidAt] = await reader().orderOf(q.quote.orderId);
      await waitFor(async () => (await provider.server.context.store.orders.get(q.quote.orderId))?.paidAt === Number(paidAt), { what: "paidAt learned" });
    }
    expect(provider.server.context.collector.status()).toMatchObject({ enabled: true, lastError: null, settled: 0, released: 0 });
  });

  it("settles every undisputed Paid order once the settle delay has passed, once", async () => {
    const before = await earned();
    const nonce = await ownerNonce();
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(125);
    await waitFor(async () => (await stateOf(a.quote.orderId)) === "Settled" && (await stateOf(b.quote.orderId)) === "Settled", { what: "settled" });
    expect(await earned()).toBe(before + a.quote.price + b.quote.price);
    await waitFor(async () => (await eventNames(a.quote.orderId)).includes("OrderSettled") && (await eventNames(b.quote.orderId)).includes("OrderSettled"), { what: "events applied" });
    expect(await provider.server.context.store.orders.get(a.quote.orderId)).toMatchObject({ chainState: "Settled", settled: true });
    // The challenged order is left to its challenge.
    expect(await stateOf(challenged.quote.orderId)).toBe("Challenged");
    // Idempotent: more runs send nothing more.
    await idle();
    expect(await ownerNonce()).toBe(nonce + 1); // one settleBatch for both
    expect(provider.server.context.collector.status()).toMatchObject({ settled: 2, released: 0 });
  });

  it("releases orders past storageUntil: settled ones, and never-settled ones in one transaction", async () => {
    d = (await order({ storageDays: 1 })).quote; // paid now, after the first time jump
    // The server must know when d was paid before the clock jumps, or its first release batch holds
    // only a (seen on PostgreSQL under load: two releaseBatch transactions instead of one).
    const [, , dPaidAt] = await reader().orderOf(d.quote.orderId);
    await waitFor(async () => (await provider.server.context.store.orders.get(d.quote.orderId))?.paidAt === Number(dPaidAt), { what: "d's paidAt learned" });
    const [, lockedBefore] = await reader().stake();
    const earnedBefore = await earned();
    const nonce = await ownerNonce();
    // Past a's and d's storage period (1 day), not b's (2 days); d was never settled.
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(86_400 + 10);
    await waitFor(async () => (await stateOf(a.quote.orderId)) === "Completed" && (await stateOf(d.quote.orderId)) === "Completed", { what: "released" });
    await idle();
    expect(await stateOf(b.quote.orderId)).toBe("Settled");
    expect(await stateOf(challenged.quote.orderId)).toBe("Challenged");
    expect(await ownerNonce()).toBe(nonce + 1); // releaseBatch([a, d]): no settle for d
    expect(await earned()).toBe(earnedBefore + d.quote.price);
    const [, lockedAfter] = await reader().stake();
    expect(lockedAfter).toBe(lockedBefore - a.quote.fine - d.quote.fine);
    await waitFor(async () => (await eventNames(d.quote.orderId)).includes("OrderReleased"), { what: "OrderReleased applied" });
    expect(await eventNames(d.quote.orderId)).not.toContain("OrderSettled");
    expect((await provider.server.context.store.orders.get(d.quote.orderId))?.chainState).toBe("Completed");
  });

  it("finishes the rest a day later, and a one-off collectEarnings finds nothing to do", async () => {
    const nonce = await ownerNonce();
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(86_400);
    await waitFor(async () => (await stateOf(b.quote.orderId)) === "Completed", { what: "b released" });
    await idle();
    expect(await ownerNonce()).toBe(nonce + 1);
    const result = await provider.server.collectEarnings();
    expect(result).toMatchObject({ settled: [], released: [], failed: [], skipped: null });
    expect(await ownerNonce()).toBe(nonce + 1);
    const status = (await (await fetch(`${provider.baseUrl}/v1/status`)).json()) as { earnings: { collector: { settledSinceStart: number; releasedSinceStart: number } } };
    expect(status.earnings.collector).toMatchObject({ settledSinceStart: 2, releasedSinceStart: 3 });
  });
});
