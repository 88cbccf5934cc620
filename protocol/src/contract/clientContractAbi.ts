import { serverContractAbi } from "./serverContractAbi.ts";

/** Transactions a client sends itself (pay, dispute, challenge, claim, withdraw its credit). */
export const clientFunctionNames = ["pay", "disputeDelivery", "challengeStorage", "claimPenalty", "withdraw"] as const;

/** Events a client follows for its registration and its orders. */
export const clientEventNames = [
  "ClientRegistered",
  "ClientDeregistered",
  "SignerRotated",
  "OrderPaid",
  "OrderSettled",
  "DeliveryDisputed",
  "ReceiptPublished",
  "OrderRefunded",
  "StorageChallenged",
  "StorageProven",
  "PenaltyClaimed",
  "OrderReleased",
  "Withdrawn",
] as const;

const functions = new Set<string>(clientFunctionNames);
const events = new Set<string>(clientEventNames);

/**
 * The client-facing part of the ServerContract ABI ("client contract code" of seed step 4, as
 * `GET /v1/info` serves it): the transactions a client sends, every read-only function, the events
 * about clients and orders, and every custom error (to explain a revert). Owner-only and provider
 * functions (register, refund, respondStorage, stake, signer rotation, ownership, settle/release)
 * are left out.
 */
export const clientContractAbi = serverContractAbi.filter((item) => {
  if (item.type === "error") return true;
  if (item.type === "event") return events.has(item.name);
  if (item.type === "function") return functions.has(item.name) || item.stateMutability === "view" || item.stateMutability === "pure";
  return false;
});
