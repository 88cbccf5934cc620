import { encryptedSize, largestPlaintextSize } from "@pekanu/protocol/encryption";
import { describe, expect, it, vi } from "vitest";
import type { Hex } from "viem";
import type { FileMeta } from "../../lib/flow.ts";
import { quoteToJson } from "../../lib/vault/verify.ts";
import { makeQuote, signQuote } from "../../test-support/fixtures.ts";
import { fakeProvider, harness, providerInfo, providerState } from "../../test-support/background.ts";
import { memoryStore } from "../store.ts";
import { BATCH_PREFIX, BatchController, type BatchDeps } from "./batch.ts";
import { OrdersController, type OrdersDeps } from "./orders.ts";

const NOW = 1_800_000_000_000;
const N = [1, 2, 3, 4, 5];
const quoteOf = (n: number) => makeQuote(n, { storageUntil: BigInt(NOW / 1000 + 400 * 86_400), expiresAt: BigInt(NOW / 1000 + 600), fine: 2_000_000_000_000_000n });
const fileOf = (n: number, size = 5000 + n): FileMeta => ({ name: `dir/file-${n}.bin`, size, lastModified: 1, mimeType: "application/octet-stream", fileRoot: quoteOf(n).fileRoot, chunks: 1 });
const signatures = new Map<number, Hex>();
for (const n of N) signatures.set(n, await signQuote(quoteOf(n)));
const BATCH_TX = `0x${"ba7c4".padStart(64, "0")}` as Hex;

function provider({ refuse = new Set<number>(), limit }: { refuse?: Set<number>; limit?: (init: RequestInit | undefined) => [number, unknown] | null } = {}) {
  const routes: Parameters<typeof fakeProvider>[0] = {};
  for (const n of N) {
    const q = quoteOf(n);
    routes[`GET /v1/orders/${q.orderId}`] = () => [
      200,
      {
        orderId: q.orderId,
        status: "paid",
        quote: quoteToJson(q),
        deduplicated: false,
        payment: { txHash: BATCH_TX, blockNumber: 5, confirmations: 2, requiredConfirmations: 2, confirmed: true },
        chainState: "Paid",
        receipt: null,
      },
    ];
  }
  routes["POST /v1/quotes"] = (init) => {
    const limited = limit?.(init);
    if (limited) return limited;
    const body = JSON.parse(String(init!.body)) as { fileRoot: string };
    const n = N.find((k) => quoteOf(k).fileRoot === body.fileRoot)!;
    if (refuse.has(n)) return [503, { error: { code: "Unavailable", message: "no space left" } }];
    return [200, { quote: quoteToJson(quoteOf(n)), signature: signatures.get(n), deduplicated: false, ownershipChallenge: null }];
  };
  return fakeProvider(routes);
}

function setup({
  balance = 10n ** 18n,
  refuse = new Set<number>(),
  send,
  limit,
}: { balance?: bigint; refuse?: Set<number>; send?: (tx: { functionName: string; value?: bigint; args: readonly unknown[] }) => Promise<Hex> } & Parameters<typeof provider>[0] = {}) {
  const fetch = provider({ refuse, limit });
  const now = { value: NOW };
  const store = memoryStore();
  const h = harness({ fetch, now: () => now.value });
  const sent: { functionName: string; value: bigint | undefined; count: number }[] = [];
  const balanceReads: string[] = [];
  const chain: OrdersDeps["chain"] & BatchDeps["chain"] = {
    balance: async (account) => (balanceReads.push(account), balance),
    maxFeePerGas: async () => 1_000_000_000n,
    estimatePayGas: async () => 66_000n,
    estimatePayBatchGas: async (_c, quotes) => 60_000n + 40_000n * BigInt(quotes.length),
    explainRevert: (err: unknown) => {
      throw err;
    },
    send: vi.fn(async (tx: { functionName: string; value?: bigint; args: readonly unknown[] }) => {
      sent.push({ functionName: tx.functionName, value: tx.value, count: (tx.args[0] as unknown[]).length });
      return send ? send(tx) : BATCH_TX;
    }) as never,
    orderOf: async () => ({ state: 0, settled: false, paidAt: 0 }) as never,
    findPayment: async () => null,
    waitForReceipt: async () => ({ status: "success", blockNumber: 5n }) as never,
    signerRetiredAt: async () => 0n,
  };
  let ids = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(() => ((now.value += ms), r()), 1));
  const orders = new OrdersController({ messenger: h.messenger, store, chain, now: () => now.value, sleep, newId, fetch });
  const waits: number[] = [];
  const batchSleep = async (ms: number) => {
    waits.push(ms);
    now.value += ms;
  };
  const batches = new BatchController({ messenger: h.messenger, store, orders, chain, now: () => now.value, newId, sleep: batchSleep });
  return { h, store, chain, sent, balanceReads, now, orders, batches, newId, sleep, fetch, waits };
}

describe("batch controller", () => {
  it("stores a folder as one order per file, checks the balance once and pays every quote with ONE payBatch, in wei", async () => {
    const { batches, orders, sent, balanceReads, fetch, h } = setup();
    const added = await batches.add(N.map((n) => fileOf(n)), 30);
    expect(added.ids).toHaveLength(5);
    expect(added.refused).toEqual([]);
    // The batch keeps the files' order (many share the same creation time).
    expect(batches.ordersOf(added.batchId).map((e) => e.flow.file.name)).toEqual(N.map((n) => `dir/file-${n}.bin`));
    // Batch orders never take the store page's current order.
    expect(orders.currentId()).toBeNull();
    await batches.quote(added.batchId);
    expect(fetch.calls.filter((c) => c === "POST /v1/quotes")).toHaveLength(5);
    // ONE balance read for the whole batch, with the sum of the prices and one payBatch's gas.
    expect(balanceReads).toHaveLength(1);
    const total = N.reduce((sum, n) => sum + quoteOf(n).price, 0n);
    const gas = 60_000n + 40_000n * 5n;
    expect(batches.get(added.batchId)!.balance).toMatchObject({ total: String(total), count: 5, gasEstimate: String(gas), gasCost: String(gas * 1_000_000_000n), required: String(total + gas * 1_000_000_000n), sufficient: true });
    const tx = await batches.pay(added.batchId);
    expect(tx).toBe(BATCH_TX);
    // One transaction, one confirmation: payBatch with all five quotes and exactly the sum of the prices.
    expect(sent).toEqual([{ functionName: "payBatch", value: total, count: 5 }]);
    await vi.waitFor(() => expect(added.ids.map((id) => orders.summary(orders.get(id!)!).step)).toEqual(Array(5).fill("upload")));
    // Every paid file is in the vault with the batch's transaction.
    expect([...h.vault.records.values()].map((r) => r.payTxHash)).toEqual(Array(5).fill(BATCH_TX));
    expect(batches.get(added.batchId)!.payment).toMatchObject({ txHash: BATCH_TX, count: 5, total: String(total) });
  });

  it("a refused file (empty, or no price) is marked alone and the others are paid without it", async () => {
    const { batches, orders, sent } = setup({ refuse: new Set([3]) });
    const added = await batches.add([fileOf(1), fileOf(9, 0), fileOf(2), fileOf(3)], 30);
    expect(added.refused).toEqual([{ name: "dir/file-9.bin", message: expect.stringContaining("empty") }]);
    expect(added.ids).toHaveLength(4);
    expect(added.ids[1]).toBeNull();
    added.ids.splice(1, 1);
    await batches.quote(added.batchId);
    const third = orders.get(added.ids[2]!)!;
    expect(third.flow.quote).toBeNull();
    expect(third.error).not.toBeNull();
    expect(batches.payable(added.batchId).map((e) => e.id)).toEqual(added.ids.slice(0, 2));
    await batches.pay(added.batchId);
    expect(sent).toEqual([{ functionName: "payBatch", value: quoteOf(1).price + quoteOf(2).price, count: 2 }]);
    // The unpriced file can leave the batch; the paid ones cannot be cancelled away.
    expect(await batches.cancel(added.batchId)).toEqual({ removed: 1, kept: 2 });
    expect(orders.get(added.ids[2]!)).toBeUndefined();
    expect(orders.get(added.ids[0]!)).toBeDefined();
  });

  it("a file too large for what the provider stores (the ciphertext when encrypted) is refused alone, in words; the others are paid", async () => {
    const { batches, orders, sent, h, fetch } = setup();
    // A provider storing at most 5,003 bytes: encrypted in 1 KiB segments, the largest file is 4,823 bytes.
    const max = 5003;
    h.slice = { ...h.slice, provider: { ...providerState, info: { ...providerInfo, pricing: { ...providerInfo.pricing, maxFileSize: max } } } };
    const segmentSize = 1024;
    const largest = largestPlaintextSize({ maxStoredSize: max, segmentSize });
    expect(largest).toBe(4823);
    const encrypted = (n: number, plaintextSize: number): FileMeta => {
      const size = encryptedSize({ plaintextSize, segmentSize });
      return { ...fileOf(n, size), encryption: { mode: "private", key: `0x${"11".repeat(32)}`, header: `0x${"22".repeat(100)}`, plaintextSize, segmentSize } };
    };
    expect(encrypted(3, largest).size).toBe(max); // = quoteOf(3).size
    expect(encrypted(4, largest + 1).size).toBe(max + 1);
    const added = await batches.add([fileOf(1), encrypted(3, largest), encrypted(4, largest + 1), fileOf(5, max + 2)], 30);
    expect(added.refused).toEqual([
      {
        name: "dir/file-4.bin",
        message:
          "This provider stores files up to 4.8 KiB (5,003 bytes). Encrypted, a file takes a little more room: the largest file is 4,823 bytes (4.7 KiB). " +
          '"dir/file-4.bin" is 4,824 bytes (4.7 KiB), 1 byte too many. Store it unencrypted (the provider can then read it), or split it.',
      },
      { name: "dir/file-5.bin", message: 'This provider stores files up to 4.8 KiB (5,003 bytes). "dir/file-5.bin" is 5,005 bytes (4.8 KiB), 2 bytes too many. Split it, or choose a provider that stores larger files.' },
    ]);
    expect(added.ids.map((id) => id !== null)).toEqual([true, true, false, false]);
    expect(orders.list()).toHaveLength(2);
    await batches.quote(added.batchId);
    // Prices were asked for the two files that fit, at the size stored (the ciphertext's 5,003 bytes for the encrypted one).
    const asked = fetch.calls.filter((c) => c === "POST /v1/quotes");
    expect(asked).toHaveLength(2);
    expect(batches.payable(added.batchId).map((e) => [e.flow.file.size, e.flow.quote!.quote.size])).toEqual([
      [5001, "5001"],
      [max, String(max)],
    ]);
    await batches.pay(added.batchId);
    expect(sent).toEqual([{ functionName: "payBatch", value: quoteOf(1).price + quoteOf(3).price, count: 2 }]);
    await vi.waitFor(() => expect(h.vault.records.size).toBe(2));
    expect([...h.vault.records.values()].map((r) => r.orderId).sort()).toEqual([quoteOf(1).orderId, quoteOf(3).orderId].sort());
  });

  it("a provider that limits quotes (429, retry in N s): the batch waits as asked, shows it, and every file gets its price", async () => {
    // The provider's token bucket: 2 quotes at once, then one per 3 s ("retry in 3 s"), as createRateLimiter answers.
    let tokens = 2;
    let lastRefill = NOW;
    let refusals = 0;
    const clock = { value: NOW };
    const waiting: (number | null | undefined)[] = [];
    const { batches, orders, sent, waits, now, store } = setup({
      limit: () => {
        const elapsed = clock.value - lastRefill;
        if (elapsed >= 3000) {
          tokens = Math.min(2, tokens + Math.floor(elapsed / 3000));
          lastRefill = clock.value;
        }
        if (tokens > 0) {
          tokens--;
          return null;
        }
        refusals++;
        return [429, { error: { code: "RateLimited", message: "too many quotes; retry in 3 s" } }];
      },
    });
    // The fake bucket reads the controllers' clock.
    Object.defineProperty(clock, "value", { get: () => now.value });
    const added = await batches.add(N.map((n) => fileOf(n)), 30);
    const saved = store.set.bind(store);
    store.set = async (key: string, value: unknown) => {
      if (key.startsWith(BATCH_PREFIX)) waiting.push((value as { waitingUntil?: number | null }).waitingUntil);
      return saved(key, value);
    };
    await batches.quote(added.batchId);
    expect(refusals).toBeGreaterThan(0);
    // Every wait is the provider's 3 s (or what was left of it), never a failure.
    expect(waits.length).toBeGreaterThan(0);
    for (const w of waits) expect(w).toBeGreaterThan(0), expect(w).toBeLessThanOrEqual(3000);
    for (const id of added.ids) {
      expect(orders.get(id!)!.error).toBeNull();
      expect(orders.get(id!)!.flow.quote).not.toBeNull();
    }
    // The page was told it waits (a time), and told when it stopped (null).
    expect(waiting.some((w) => typeof w === "number" && w > NOW)).toBe(true);
    expect(batches.get(added.batchId)!.waitingUntil ?? null).toBeNull();
    expect(batches.payable(added.batchId)).toHaveLength(N.length);
    await batches.pay(added.batchId);
    expect(sent).toEqual([{ functionName: "payBatch", value: N.reduce((sum, n) => sum + quoteOf(n).price, 0n), count: N.length }]);
  });

  it("a provider that keeps answering 429 past the longest wait: those files fail in words, the priced ones stay payable", async () => {
    let answered = 0;
    const { batches, orders, now } = setup({
      limit: () => (answered++ < 2 ? null : [429, { error: { code: "RateLimited", message: "too many quotes; retry in 60 s" } }]),
    });
    const started = now.value;
    const added = await batches.add(N.map((n) => fileOf(n)), 30);
    await batches.quote(added.batchId);
    // It kept asking for at most RATE_LIMIT_MAX_WAIT_MS (10 min), then gave up.
    expect(now.value - started).toBeLessThanOrEqual(10 * 60_000);
    expect(now.value - started).toBeGreaterThanOrEqual(9 * 60_000);
    const priced = added.ids.filter((id) => orders.get(id!)!.flow.quote);
    const failed = added.ids.filter((id) => orders.get(id!)!.error);
    expect(priced).toHaveLength(2);
    expect(failed).toHaveLength(N.length - 2);
    for (const id of failed) expect(orders.get(id!)!.error!.code).toBe("ApiRateLimited");
    expect(batches.payable(added.batchId)).toHaveLength(2);
    expect(batches.get(added.batchId)!.waitingUntil ?? null).toBeNull();
  });

  it("a balance too low for the batch: the shortfall in wei, nothing sent", async () => {
    const { batches, sent, orders } = setup({ balance: 1000n });
    const added = await batches.add([fileOf(1), fileOf(2)], 30);
    await batches.quote(added.batchId);
    const b = batches.get(added.batchId)!.balance!;
    expect(b.sufficient).toBe(false);
    expect(BigInt(b.shortfall)).toBe(BigInt(b.required) - 1000n);
    await expect(batches.pay(added.batchId)).rejects.toMatchObject({ human: { code: "InsufficientFunds" } });
    expect(sent).toEqual([]);
    expect(added.ids.every((id) => !orders.get(id!)!.flow.payRequestedAt)).toBe(true);
  });

  it("a payment rejected in the wallet leaves every file unpaid and payable again; cancel removes them all", async () => {
    const { batches, orders, sent, store } = setup({
      send: async () => {
        throw Object.assign(new Error("User rejected the request."), { code: 4001 });
      },
    });
    const added = await batches.add([fileOf(1), fileOf(2)], 30);
    await batches.quote(added.batchId);
    await expect(batches.pay(added.batchId)).rejects.toBeDefined();
    expect(sent).toHaveLength(1);
    expect(added.ids.every((id) => !orders.get(id!)!.flow.payRequestedAt && !orders.get(id!)!.flow.payment)).toBe(true);
    expect(batches.payable(added.batchId)).toHaveLength(2);
    expect(await batches.cancel(added.batchId)).toEqual({ removed: 2, kept: 0 });
    expect(orders.list()).toEqual([]);
    expect([...store.data.keys()].filter((k) => k.startsWith(BATCH_PREFIX))).toEqual([]);
  });

  it("is restored after a restart, its orders and payment with it", async () => {
    const { batches, store, chain, now, fetch, sleep } = setup();
    const added = await batches.add([fileOf(1), fileOf(2)], 30);
    await batches.quote(added.batchId);
    await batches.pay(added.batchId);
    let ids = 100;
    const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`;
    const messenger = harness({ fetch, now: () => now.value }).messenger;
    const orders = new OrdersController({ messenger, store, chain, now: () => now.value, sleep, newId, fetch });
    await orders.load();
    const restarted = new BatchController({ messenger, store, orders, chain, now: () => now.value, newId });
    await restarted.load();
    expect(restarted.list().map((b) => b.id)).toEqual([added.batchId]);
    expect(restarted.ordersOf(added.batchId).map((e) => e.id)).toEqual(added.ids);
    expect(restarted.get(added.batchId)!.payment?.txHash).toBe(BATCH_TX);
  });
});
