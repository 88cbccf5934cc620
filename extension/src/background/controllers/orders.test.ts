import { encryptedSize, largestPlaintextSize } from "@pekanu/protocol/encryption";
import type { Quote } from "@pekanu/protocol";
import { describe, expect, it, vi } from "vitest";
import type { Hex } from "viem";
import type { FileMeta } from "../../lib/flow.ts";
import { quoteToJson } from "../../lib/vault/verify.ts";
import { client, makeQuote, otherSigner, signQuote, signReceipt } from "../../test-support/fixtures.ts";
import { fakeProvider, harness, providerInfo, providerUrl } from "../../test-support/background.ts";
import { memoryStore } from "../store.ts";
import { ORDER_PREFIX, OrdersController, UPLOAD_LEASE_MS, type OrdersDeps } from "./orders.ts";

const NOW = 1_800_000_000_000;
const fileOf = (n: number, size = 5000 + n): FileMeta => ({
  name: `file-${n}.bin`,
  size,
  lastModified: 1,
  mimeType: "application/octet-stream",
  fileRoot: makeQuote(n).fileRoot,
  chunks: 1,
});
const quoteOf = (n: number) => makeQuote(n, { storageUntil: BigInt(NOW / 1000 + 400 * 86_400), expiresAt: BigInt(NOW / 1000 + 600), fine: 2_000_000_000_000_000n });
const txOf = (n: number) => `0x${(0xfeed00 + n).toString(16).padStart(64, "0")}` as Hex;

function provider(extra: Parameters<typeof fakeProvider>[0] = {}) {
  const routes: Parameters<typeof fakeProvider>[0] = { ...extra };
  for (const n of [1, 2, 3]) {
    const q = quoteOf(n);
    routes[`GET /v1/orders/${q.orderId}`] ??= () => [
      200,
      {
        orderId: q.orderId,
        status: "paid",
        quote: quoteToJson(q),
        deduplicated: false,
        payment: { txHash: txOf(n), blockNumber: 5, confirmations: 2, requiredConfirmations: 2, confirmed: true },
        chainState: "Paid",
        receipt: null,
      },
    ];
  }
  let next = 0;
  const order = [1, 2, 3];
  routes["POST /v1/quotes"] ??= (init) => {
    const body = JSON.parse(String(init!.body)) as { fileRoot: string };
    const n = order.find((k) => quoteOf(k).fileRoot === body.fileRoot) ?? order[next++]!;
    return [200, { quote: quoteToJson(quoteOf(n)), signature: signatures.get(n), deduplicated: false, ownershipChallenge: null }];
  };
  return fakeProvider(routes);
}
const signatures = new Map<number, Hex>();
for (const n of [1, 2, 3]) signatures.set(n, await signQuote(quoteOf(n)));

function setup({ store = memoryStore(), fetch = provider(), now = { value: NOW } } = {}) {
  const h = harness({ fetch, now: () => now.value });
  const sent: { functionName: string; value: bigint | undefined }[] = [];
  const chain: OrdersDeps["chain"] = {
    balance: async () => 10n ** 18n,
    maxFeePerGas: async () => 1_000_000_000n,
    estimatePayGas: async () => 66_000n,
    explainRevert: (err: unknown) => {
      throw err;
    },
    send: vi.fn(async ({ functionName, value, args }: { functionName: string; value?: bigint; args: readonly unknown[] }) => {
      sent.push({ functionName, value });
      const q = args[0] as { orderId: Hex };
      const n = [1, 2, 3].find((k) => quoteOf(k).orderId === q.orderId)!;
      return txOf(n);
    }) as never,
    orderOf: async () => ({ state: 0, settled: false, paidAt: 0 }) as never,
    findPayment: async () => null,
    waitForReceipt: async () => ({ status: "success", blockNumber: 5n }) as never,
    signerRetiredAt: async () => 0n,
  };
  let ids = 0;
  const make = (messenger = h.messenger) =>
    new OrdersController({ messenger, store, chain, now: () => now.value, sleep: (ms) => new Promise((r) => setTimeout(() => ((now.value += ms), r(undefined)), 1)), newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`, fetch });
  return { h, store, chain, sent, now, fetch, make, orders: make() };
}

async function paidOrder(orders: OrdersController, n: number): Promise<string> {
  const id = await orders.addFile(fileOf(n), 30);
  await orders.quote(id);
  await orders.pay(id);
  await vi.waitFor(() => expect(orders.summary(orders.get(id)!).step).toBe("upload"));
  return id;
}

describe("orders controller", () => {
  it("keeps many orders side by side, each its own persisted state machine, restored after a restart", async () => {
    const { orders, store, h, sent, make } = setup();
    const a = await paidOrder(orders, 1);
    const b = await orders.addFile(fileOf(2), 30);
    await orders.quote(b);
    expect(orders.currentId()).toBe(b);
    expect(orders.list().map((e) => e.id).sort()).toEqual([a, b].sort());
    expect(orders.summary(orders.get(a)!)).toMatchObject({ step: "upload", orderId: quoteOf(1).orderId, price: String(quoteOf(1).price) });
    expect(orders.summary(orders.get(b)!)).toMatchObject({ step: "pay", orderId: quoteOf(2).orderId });
    // One payment, in wei, for the order that was paid.
    expect(sent).toEqual([{ functionName: "pay", value: quoteOf(1).price }]);
    // The paid order is in the vault already (σ or not), its payment followed to its receipt.
    expect(h.vault.records.size).toBe(1);
    expect([...h.vault.records.values()][0]).toMatchObject({ orderId: quoteOf(1).orderId, paymentStatus: "mined", signature: null });
    expect(h.pending).toEqual([]);
    // Persisted: each order under its own key.
    expect([...store.data.keys()].filter((k) => k.startsWith(ORDER_PREFIX)).sort()).toEqual([ORDER_PREFIX + a, ORDER_PREFIX + b].sort());
    const restarted = make(harness({ fetch: provider(), now: () => NOW }).messenger);
    await restarted.load();
    expect(restarted.currentId()).toBe(b);
    expect(restarted.get(a)!.flow).toEqual(orders.get(a)!.flow);
    expect(restarted.get(b)!.flow).toEqual(orders.get(b)!.flow);
  });

  it("replaces a draft nobody paid for, keeps a paid one, and refuses an empty file in words", async () => {
    const { orders } = setup();
    const draft = await orders.addFile(fileOf(1), 30);
    const next = await orders.addFile(fileOf(2), 30);
    expect(orders.get(draft)).toBeUndefined();
    expect(orders.currentId()).toBe(next);
    await expect(orders.addFile(fileOf(3, 0), 30)).rejects.toMatchObject({ human: { code: "EmptyFile", title: "Empty file" } });
    expect(orders.list()).toHaveLength(1);
    // "Store another file": the paid order stays in the list, off screen.
    await orders.quote(next);
    await orders.pay(next);
    await vi.waitFor(() => expect(orders.summary(orders.get(next)!).step).toBe("upload"));
    await orders.clear();
    expect(orders.currentId()).toBeNull();
    expect(orders.get(next)).toBeDefined();
  });

  it("lets one page at a time upload an order, whatever the number of tabs", async () => {
    const { orders, now } = setup();
    const id = await paidOrder(orders, 1);
    const first = orders.uploadTarget("page-one-lease", id);
    expect(first).toMatchObject({ url: `${providerUrl}/v1/orders/${quoteOf(1).orderId}/content`, mode: "upload", token: "token-1" });
    expect(() => orders.uploadTarget("page-two-lease", id)).toThrow(expect.objectContaining({ human: expect.objectContaining({ code: "UploadElsewhere" }) }));
    await orders.uploadStarted("page-one-lease", 5001, id);
    // Progress from the other page is ignored, the holder's is kept.
    await orders.uploadProgress("page-two-lease", 5001, 5001, id);
    expect(orders.get(id)!.flow.upload).toMatchObject({ status: "uploading", sent: 0 });
    await expect(orders.uploadStarted("page-two-lease", 5001, id)).rejects.toMatchObject({ human: { code: "UploadElsewhere" } });
    now.value += UPLOAD_LEASE_MS / 2;
    await orders.uploadProgress("page-one-lease", 2500, 5001, id);
    expect(orders.get(id)!.flow.upload).toMatchObject({ sent: 2500 });
    now.value += UPLOAD_LEASE_MS / 2 + 1;
    expect(() => orders.uploadTarget("page-two-lease", id)).toThrow(); // the holder showed life 10 s ago
    // A page that went silent (closed) for longer than the lease gives way.
    now.value += UPLOAD_LEASE_MS;
    expect(orders.uploadTarget("page-two-lease", id).id).toBe(id);
  });

  it("a closed page's lease is released at once (its port went), so the reopened page resumes without waiting", async () => {
    const { orders } = setup();
    const id = await paidOrder(orders, 1);
    orders.uploadTarget("closed-page-lease", id);
    await orders.uploadStarted("closed-page-lease", 5001, id);
    expect(() => orders.uploadTarget("reopened-page-lease", id)).toThrow();
    // Another page's going releases nothing of this one's.
    orders.releaseLeases("some-other-page");
    expect(() => orders.uploadTarget("reopened-page-lease", id)).toThrow();
    orders.releaseLeases("closed-page-lease");
    expect(orders.uploadTarget("reopened-page-lease", id).id).toBe(id);
    expect(orders.summary(orders.get(id)!).uploadingElsewhere).toBe(true); // now held by the reopened page
  });

  it("verifies σ against the contract's signer and keeps it in the vault; a σ by another key is refused", async () => {
    const { orders, h } = setup();
    const id = await paidOrder(orders, 1);
    const q = quoteOf(1);
    const link = `${providerUrl}/v1/files/${q.fileRoot}`;
    orders.uploadTarget("lease-aaaaaaaa", id);
    await orders.uploadFinished("lease-aaaaaaaa", { orderId: q.orderId, link, signature: await signReceipt(q, link), signer: client, deduplicated: false }, id);
    expect(orders.get(id)!.flow.receipt).toMatchObject({ status: "verified", savedToVault: true });
    expect([...h.vault.records.values()][0]).toMatchObject({ link, verification: { status: "verified" } });
    expect(orders.summary(orders.get(id)!).step).toBe("done");

    const other = await paidOrder(orders, 2);
    const q2 = quoteOf(2);
    const link2 = `${providerUrl}/v1/files/${q2.fileRoot}`;
    await orders.uploadFinished("lease-bbbbbbbb", { orderId: q2.orderId, link: link2, signature: await signReceipt(q2, link2, otherSigner), signer: client, deduplicated: false }, other);
    expect(orders.get(other)!.flow.receipt).toMatchObject({ status: "invalid" });
    expect(orders.get(other)!.error).toMatchObject({ code: "ReceiptInvalid" });
    // The first order is untouched by the second's failure.
    expect(orders.get(id)!.error).toBeNull();
    // σ for another order is refused outright.
    await expect(orders.uploadFinished("lease-bbbbbbbb", { orderId: q.orderId, link, signature: await signReceipt(q, link), signer: client, deduplicated: false }, other)).rejects.toMatchObject({
      human: { code: "ProviderInvalidAnswer" },
    });
  });

  it("runs one worker per order whatever the number of resumes (tabs, alarms, restarts)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let polls = 0;
    const q = quoteOf(1);
    const fetch = provider({
      [`GET /v1/orders/${q.orderId}`]: () => {
        polls++;
        return [200, { orderId: q.orderId, status: "paid", quote: quoteToJson(q), deduplicated: false, payment: { txHash: txOf(1), blockNumber: 5, confirmations: 0, requiredConfirmations: 2, confirmed: false }, chainState: "Paid", receipt: null }];
      },
    });
    const { orders, chain } = setup({ fetch });
    chain.waitForReceipt = (async () => {
      await gate;
      return { status: "success", blockNumber: 5n };
    }) as never;
    const id = await orders.addFile(fileOf(1), 30);
    await orders.quote(id);
    await orders.pay(id);
    for (let i = 0; i < 5; i++) orders.resume();
    release();
    await vi.waitFor(() => expect(polls).toBeGreaterThan(0));
    // Polling loops while unconfirmed; but never two loops at once: resumes while it runs add none.
    const before = polls;
    for (let i = 0; i < 5; i++) orders.resume();
    await new Promise((r) => setTimeout(r, 20));
    expect(polls - before).toBeLessThan(50);
    expect(orders.get(id)!.flow.payment).toMatchObject({ status: "mined", confirmations: 0, providerConfirmed: false });
  });

  it("a quote for another account is refused and the order stays unquoted", async () => {
    const q = quoteOf(1);
    const foreign = { ...q, client: "0x000000000000000000000000000000000000dEaD" as Hex };
    const fetch = provider({ "POST /v1/quotes": () => [200, { quote: quoteToJson(foreign), signature: signatures.get(1), deduplicated: false, ownershipChallenge: null }] });
    const { orders, sent } = setup({ fetch });
    const id = await orders.addFile(fileOf(1), 30);
    await expect(orders.quote(id)).rejects.toMatchObject({ human: { code: "QuoteMismatch" } });
    expect(orders.get(id)!.flow.quote).toBeNull();
    expect(sent).toEqual([]);
  });

  describe("the provider's largest file is checked on what is stored (the ciphertext when encrypted), before any price or payment", () => {
    const SEGMENT = 65_536;
    const MAX = providerInfo.pricing.maxFileSize; // 1 GiB, as a provider advertises by default
    const LARGEST = largestPlaintextSize({ maxStoredSize: MAX, segmentSize: SEGMENT });
    /** An encrypted file's commitment as the page sends it: sizes only, no bytes are read. */
    const encryptedFile = (n: number, plaintextSize: number): FileMeta => ({
      ...fileOf(n, encryptedSize({ plaintextSize, segmentSize: SEGMENT })),
      name: "holiday.mov",
      encryption: { mode: "private", key: `0x${"11".repeat(32)}`, header: `0x${"22".repeat(100)}`, plaintextSize, segmentSize: SEGMENT },
    });
    const plainFile = (n: number, size: number): FileMeta => ({ ...fileOf(n, size), name: "matrix.bin", encryption: null });
    /** The provider signs a price for the size asked (recorded), and reports the paid order with it. */
    async function sizedSetup(size: number) {
      const quotes = new Map<number, { quote: Quote; signature: Hex }>();
      for (const n of [1, 2]) {
        const quote = makeQuote(n, { size: BigInt(size), storageUntil: BigInt(NOW / 1000 + 400 * 86_400), expiresAt: BigInt(NOW / 1000 + 600), fine: 2_000_000_000_000_000n });
        quotes.set(n, { quote, signature: await signQuote(quote) });
      }
      const asked: { fileRoot: string; size: number }[] = [];
      const routes: Parameters<typeof fakeProvider>[0] = {
        "POST /v1/quotes": (init) => {
          const body = JSON.parse(String(init!.body)) as { fileRoot: string; size: number };
          asked.push({ fileRoot: body.fileRoot, size: body.size });
          const { quote, signature } = [...quotes.values()].find((q) => q.quote.fileRoot === body.fileRoot)!;
          return [200, { quote: quoteToJson(quote), signature, deduplicated: false, ownershipChallenge: null }];
        },
      };
      for (const [n, { quote }] of quotes) {
        routes[`GET /v1/orders/${quote.orderId}`] = () => [
          200,
          { orderId: quote.orderId, status: "paid", quote: quoteToJson(quote), deduplicated: false, payment: { txHash: txOf(n), blockNumber: 5, confirmations: 2, requiredConfirmations: 2, confirmed: true }, chainState: "Paid", receipt: null },
        ];
      }
      const fetch = provider(routes);
      return { ...setup({ fetch }), asked, quotes, fetch };
    }

    it("1 GiB stored holds an encrypted file of 1,073,479,644 bytes: that file is quoted and paid at its ciphertext size, exactly 1 GiB", async () => {
      expect(LARGEST).toBe(1_073_479_644);
      const { orders, asked, quotes, sent, h } = await sizedSetup(MAX);
      const id = await orders.addFile(encryptedFile(1, LARGEST), 30);
      await orders.quote(id);
      expect(asked).toEqual([{ fileRoot: quoteOf(1).fileRoot, size: MAX }]);
      expect(encryptedSize({ plaintextSize: LARGEST, segmentSize: SEGMENT })).toBe(MAX);
      expect(orders.summary(orders.get(id)!)).toMatchObject({ step: "pay", size: MAX, plainSize: LARGEST, protection: "private" });
      await orders.pay(id);
      await vi.waitFor(() => expect(orders.summary(orders.get(id)!).step).toBe("upload"));
      expect(sent).toEqual([{ functionName: "pay", value: quotes.get(1)!.quote.price }]);
      expect(h.vault.records.size).toBe(1);
    });

    it("one byte more, encrypted, is refused in words that give the largest file; nothing is asked, paid or recorded", async () => {
      const { orders, asked, sent, h, store, fetch } = await sizedSetup(MAX);
      const kept = await orders.addFile(encryptedFile(2, 1000), 30); // an earlier draft stays on screen
      const file = encryptedFile(1, LARGEST + 1);
      expect(file.size).toBe(MAX + 1);
      await expect(orders.addFile(file, 30)).rejects.toMatchObject({
        human: {
          code: "FileTooLarge",
          title: "File too large",
          message:
            "This provider stores files up to 1 GiB (1,073,741,824 bytes). Encrypted, a file takes a little more room: the largest file is 1,073,479,644 bytes (1023.7 MiB). " +
            '"holiday.mov" is 1,073,479,645 bytes (1023.7 MiB), 1 byte too many. Store it unencrypted (the provider can then read it), or split it.',
          action: "none",
        },
      });
      expect(orders.list().map((e) => e.id)).toEqual([kept]);
      expect(orders.currentId()).toBe(kept);
      expect([...store.data.keys()].filter((k) => k.startsWith(ORDER_PREFIX))).toEqual([ORDER_PREFIX + kept]);
      expect(asked).toEqual([]);
      expect(fetch.calls).toEqual([]);
      expect(sent).toEqual([]);
      expect(h.vault.records.size).toBe(0);
      expect(h.pending).toEqual([]);
    });

    it("the same file unencrypted is taken up to 1 GiB exactly; one byte more is refused", async () => {
      const { orders, asked, sent, h } = await sizedSetup(MAX);
      const id = await orders.addFile(plainFile(1, MAX), 30);
      await orders.quote(id);
      expect(asked).toEqual([{ fileRoot: quoteOf(1).fileRoot, size: MAX }]);
      expect(orders.summary(orders.get(id)!)).toMatchObject({ step: "pay", size: MAX, plainSize: MAX, protection: "none" });
      await expect(orders.addFile(plainFile(2, MAX + 1), 30)).rejects.toMatchObject({
        human: {
          code: "FileTooLarge",
          message: 'This provider stores files up to 1 GiB (1,073,741,824 bytes). "matrix.bin" is 1,073,741,825 bytes (1 GiB), 1 byte too many. Split it, or choose a provider that stores larger files.',
        },
      });
      expect(orders.list().map((e) => e.id)).toEqual([id]);
      expect(asked).toHaveLength(1);
      expect(sent).toEqual([]);
      expect(h.vault.records.size).toBe(0);
    });

    it("an encrypted file larger than the limit itself is told to be split (unencrypted would not fit either)", async () => {
      const { orders, asked } = await sizedSetup(MAX);
      await expect(orders.addFile(encryptedFile(1, MAX + 1), 30)).rejects.toMatchObject({
        human: {
          code: "FileTooLarge",
          message:
            "This provider stores files up to 1 GiB (1,073,741,824 bytes). Encrypted, a file takes a little more room: the largest file is 1,073,479,644 bytes (1023.7 MiB). " +
            '"holiday.mov" is 1,073,741,825 bytes (1 GiB), 262,181 bytes too many. Split it, or choose a provider that stores larger files.',
        },
      });
      expect(orders.list()).toEqual([]);
      expect(asked).toEqual([]);
    });
  });
});
