import { describe, expect, it } from "vitest";
import { makeRecord } from "../test-support/fixtures.ts";
import type { OrderSummary } from "../background/controllers/orders.ts";
import { byAttention, fileStatusOf, orderStatus } from "./fileStatus.ts";
import type { ChainView, VaultRecord } from "./vault/schema.ts";

const NOW = 1_800_000_000_000; // 2027-01-15
const chain = (state: string, extra: Partial<ChainView> = {}): ChainView => ({ state, settled: false, paidAt: 1, deadline: 0, lastChallengeAt: 0, chunkIndex: 0, readAt: NOW, ...extra });
const until = (r: VaultRecord, ms: number) => ({ ...r, quote: { ...r.quote, storageUntil: String(ms / 1000) } });
const summary = (over: Partial<OrderSummary>): OrderSummary => ({
  id: "x",
  fileName: "f",
  size: 1,
  plainSize: 1,
  protection: "none",
  fileRoot: `0x${"ab".repeat(32)}`,
  step: "pay",
  orderId: null,
  vaultKey: null,
  price: null,
  storageUntil: null,
  upload: null,
  uploadingElsewhere: false,
  error: null,
  createdAt: 1,
  updatedAt: 1,
  batchId: null,
  payRequested: false,
  ...over,
});

describe("file status in plain words", () => {
  it("says stored until when, and when it was last checked", async () => {
    const r = until(await makeRecord(1), Date.UTC(2027, 2, 12));
    expect(fileStatusOf(r, null, NOW)).toMatchObject({ kind: "stored", text: "Stored, safe until 12 Mar 2027", tone: "good" });
    const checked = { ...r, audits: [{ at: NOW - 2 * 3600_000, index: 3, ok: true }] };
    expect(fileStatusOf(checked, null, NOW).text).toBe("Stored, safe until 12 Mar 2027 · checked 2 h ago");
    expect(fileStatusOf(checked, null, NOW).title).toContain("last check");
  });

  it("never shows a refunded, lost or failed file as stored", async () => {
    const r = until(await makeRecord(2), Date.UTC(2027, 2, 12));
    expect(fileStatusOf({ ...r, chain: chain("Refunded") }, null, NOW)).toMatchObject({ kind: "refunded", text: "Not stored — refunded" });
    // Lost: fine + price (unsettled) + the confirmed challenge's bond, in ETH.
    const lost = {
      ...r,
      quote: { ...r.quote, price: "300000000000000", fine: "1000000000000000" },
      chain: chain("Penalized"),
      actions: [{ kind: "challengeStorage" as const, txHash: r.orderId, at: 1, status: "confirmed" as const, value: "0" }],
    };
    expect(fileStatusOf(lost, null, NOW)).toMatchObject({ kind: "lost", text: "Lost — penalty paid 0.0013 ETH", tone: "bad" });
    const failed = { ...r, audits: [{ at: NOW - 1000, index: 7, ok: false, problem: "bad proof" }] };
    expect(fileStatusOf(failed, null, NOW)).toMatchObject({ kind: "problem", text: "Problem: the provider failed a check" });
    const noSigma = { ...r, signature: null, link: null };
    expect(fileStatusOf(noSigma, null, NOW)).toMatchObject({ kind: "notUploaded", text: "Paid — not uploaded yet" });
    expect(fileStatusOf({ ...noSigma, paymentStatus: "reverted" }, null, NOW).kind).toBe("refunded");
    expect(fileStatusOf({ ...r, chain: chain("Challenged") }, null, NOW).kind).toBe("problem");
    expect(fileStatusOf(until(r, NOW - 1000), null, NOW).kind).toBe("ended");
  });

  it("follows an order in progress: uploading %, waiting for payment, interrupted", async () => {
    expect(orderStatus(summary({ step: "upload", upload: { sent: 43, total: 100, status: "uploading" } })).text).toBe("Uploading 43 %");
    expect(orderStatus(summary({ step: "pay" })).text).toBe("Waiting for payment");
    expect(orderStatus(summary({ step: "upload", upload: { sent: 10, total: 100, status: "interrupted" } })).kind).toBe("interrupted");
    const r = { ...(await makeRecord(3)), signature: null, link: null };
    expect(fileStatusOf(r, summary({ step: "upload", upload: { sent: 50, total: 100, status: "uploading" } }), NOW).text).toBe("Uploading 50 %");
  });

  it("sorts what needs attention first", async () => {
    const r = until(await makeRecord(4), Date.UTC(2027, 2, 12));
    const list = [
      { name: "ok", status: fileStatusOf(r, null, NOW), createdAt: 3 },
      { name: "refunded", status: fileStatusOf({ ...r, chain: chain("Refunded") }, null, NOW), createdAt: 2 },
      { name: "failed", status: fileStatusOf({ ...r, audits: [{ at: 1, index: 0, ok: false }] }, null, NOW), createdAt: 1 },
      { name: "paying", status: orderStatus(summary({ step: "pay" })), createdAt: 0 },
    ].sort(byAttention);
    expect(list.map((x) => x.name)).toEqual(["failed", "paying", "ok", "refunded"]);
  });
});
