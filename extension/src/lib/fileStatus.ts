// One plain status per file for the files home: what a person needs to know, in words, and how
// much it needs their attention (the list is sorted by it). Pure: the words are tested.
import type { OrderSummary } from "../background/controllers/orders.ts";
import { formatEth, relativeTime } from "./format.ts";
import type { VaultRecord } from "./vault/schema.ts";

export type FileStatusKind = "problem" | "interrupted" | "uploading" | "waitingPayment" | "paying" | "notUploaded" | "stored" | "refunded" | "lost" | "ended";

export type FileStatus = {
  kind: FileStatusKind;
  /** The status line, e.g. "Stored, safe until 12 Mar 2027 · checked 2 h ago". */
  text: string;
  /** Dates behind the relative words, for the hover title. */
  title?: string;
  /** Lower needs attention sooner (sort key). */
  attention: number;
  tone: "bad" | "warn" | "info" | "good" | "muted";
};

const ATTENTION: Record<FileStatusKind, number> = {
  problem: 0,
  interrupted: 1,
  notUploaded: 2,
  waitingPayment: 3,
  paying: 4,
  uploading: 5,
  stored: 6,
  refunded: 7,
  lost: 7,
  ended: 8,
};

export function formatDate(ms: number): string {
  return new Date(ms).toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
}

function status(kind: FileStatusKind, text: string, tone: FileStatus["tone"], title?: string): FileStatus {
  return title === undefined ? { kind, text, tone, attention: ATTENTION[kind] } : { kind, text, tone, title, attention: ATTENTION[kind] };
}

/** The penalty credited by a confirmed claim: the fine, plus the price if unsettled, plus the bond of a challenge. */
function penaltyPaid(record: VaultRecord): bigint {
  let amount = BigInt(record.quote.fine);
  if (record.chain && !record.chain.settled) amount += BigInt(record.quote.price);
  const bond = record.actions.find((a) => a.kind === "challengeStorage" && a.status === "confirmed")?.value;
  if (bond) amount += BigInt(bond);
  return amount;
}

/** The status of a file known to the vault (paid), with the order still in progress if any. */
export function fileStatusOf(record: VaultRecord | null, order: OrderSummary | null, nowMs: number): FileStatus {
  if (order && !record) return orderStatus(order);
  if (!record) return status("notUploaded", "Unknown", "muted");
  const state = record.chain?.state;
  const lastAudit = record.audits.at(-1);
  const until = Number(record.quote.storageUntil) * 1000;
  if (state === "Refunded") return status("refunded", "Not stored — refunded", "muted");
  if (state === "Penalized") return status("lost", `Lost — penalty paid ${formatEth(penaltyPaid(record))} ETH`, "bad");
  if (state === "Challenged") return status("problem", "Problem: waiting for the provider to prove it still has the file", "bad");
  if (state === "DeliveryDisputed") return status("problem", "Problem: waiting for the provider to deliver or refund", "bad");
  if (record.verification.status === "invalid") return status("problem", "Problem: the provider's receipt is not valid", "bad");
  if (lastAudit && !lastAudit.ok) {
    return status("problem", "Problem: the provider failed a check", "bad", `Checked ${new Date(lastAudit.at).toLocaleString()}`);
  }
  if (order && !record.signature) {
    const fromOrder = orderStatus(order);
    if (fromOrder.kind !== "stored") return fromOrder;
  }
  if (record.paymentStatus === "reverted") return status("refunded", "Not stored — the payment failed, nothing was paid", "muted");
  if (!record.signature) {
    if (record.paymentStatus === "pending") return status("paying", "Payment being confirmed", "info");
    return status("notUploaded", "Paid — not uploaded yet", "warn");
  }
  if (state === "Completed" || until <= nowMs) return status("ended", `Storage ended ${formatDate(until)}`, "muted", new Date(until).toLocaleString());
  const checked = lastAudit?.ok ? ` · checked ${relativeTime(lastAudit.at, nowMs)}` : "";
  const title = `Safe until ${new Date(until).toLocaleString()}${lastAudit ? ` · last check ${new Date(lastAudit.at).toLocaleString()}` : ""}`;
  return status("stored", `Stored, safe until ${formatDate(until)}${checked}`, "good", title);
}

/** The status of an order not (yet) in the vault, or still being worked on. */
export function orderStatus(order: OrderSummary): FileStatus {
  switch (order.step) {
    case "done":
      return status("stored", order.storageUntil ? `Stored, safe until ${formatDate(order.storageUntil)}` : "Stored", "good");
    case "receiptInvalid":
      return status("problem", "Problem: the provider's receipt is not valid", "bad");
    case "upload":
    case "verifyReceipt": {
      const upload = order.upload;
      if (upload?.status === "uploading" && upload.total > 0) return status("uploading", `Uploading ${Math.floor((upload.sent / upload.total) * 100)} %`, "info");
      if (upload?.status === "interrupted") return status("interrupted", "Upload interrupted — choose the file again to continue", "warn");
      if (order.step === "verifyReceipt") return status("uploading", "Checking the provider's receipt", "info");
      return status("notUploaded", "Paid — not uploaded yet", "warn");
    }
    case "confirming":
      return status("paying", "Payment being confirmed", "info");
    case "pay":
      return status("waitingPayment", "Waiting for payment", "warn");
    default:
      return status("waitingPayment", order.step === "quote" ? "Waiting for a price" : "Not paid yet", "muted");
  }
}

/** Most urgent first; then newest first. */
export function byAttention<T extends { status: FileStatus; createdAt: number }>(a: T, b: T): number {
  return a.status.attention - b.status.attention || b.createdAt - a.createdAt;
}
