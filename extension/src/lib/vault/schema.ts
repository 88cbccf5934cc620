// The receipts vault's record types and their versions. A record is one paid order: its quote and
// quote signature, and once the provider delivered, σ and L. Orders without σ are kept too: they
// are what a delivery dispute is filed for.
import type { Address, Hex, QuoteJson } from "../flow.ts";

export const VAULT_DB_NAME = "pekanu-vault";
/** v4 adds the "jobs" store (compute jobs, lib/vault/jobSchema.ts); orders are unchanged. */
export const VAULT_DB_VERSION = 4;

/** Schema v1 (extension 0.0.x): one store "receipts" keyed by orderId, σ mandatory. */
export type VaultRecordV1 = {
  orderId: Hex;
  chainId: number;
  contract: Address;
  quote: QuoteJson;
  quoteSignature: Hex;
  link: string;
  signature: Hex;
  signer: Address;
  fileName: string;
  providerUrl: string;
  savedAt: number;
};

export type VerificationStatus =
  /** σ (or, without σ, the quote signature) checked against contract.signer() read on chain. */
  | "verified"
  /** Checked against the signer recorded with the receipt (the chain was not reachable). */
  | "verifiedOffline"
  /** Nothing checked yet (e.g. migrated, or saved before verification). */
  | "unverified"
  /** The signature does not come from the contract's signer: penalty path. */
  | "invalid";

export type Verification = {
  status: VerificationStatus;
  /** What the signature was checked against. */
  by: "chain" | "recorded" | null;
  at: number | null;
  /** The signature was made by a signer the contract rotated out after this order was paid. */
  retiredSigner?: boolean;
  note?: string;
};

export type PenaltyActionKind = "disputeDelivery" | "challengeStorage" | "claimPenalty" | "withdraw";

export type PenaltyAction = {
  kind: PenaltyActionKind;
  txHash: Hex;
  at: number;
  status: "pending" | "confirmed" | "failed";
  /** Bond sent with a storage challenge (wei). */
  value?: string;
  blockNumber?: number;
};

export type AuditResult = { at: number; index: number; ok: boolean; problem?: string };

/** Cached view of the order on chain (orderOf/pendingOf), refreshed by the background. */
export type ChainView = {
  state: string;
  settled: boolean;
  paidAt: number;
  deadline: number;
  lastChallengeAt: number;
  chunkIndex: number;
  /** Wei of the open challenge's bond held for the provider's answer (contract v2; the rest was credited back). */
  bondHeld?: string;
  /** isDelivered(): σ is on chain, so a delivery dispute would revert and a challenge needs no σ (contract v2). */
  delivered?: boolean;
  /** A one-chunk challenge's bond if answered at the base fee when read: wei to the provider's answer, wei back to the client. */
  bondToProvider?: string;
  bondBack?: string;
  readAt: number;
  /**
   * Timestamp (unix seconds) of the latest block when read: the contract's deadlines are in chain
   * time, which may differ from this computer's clock (absent in views read by earlier versions).
   */
  blockTime?: number;
  /** params() of the contract: windows and the challenge bond. */
  params?: { settleDelay: string; responseWindow: string; challengeCooldown: string; challengeBond: string };
};

/**
 * How the stored file is encrypted (docs/encryption.md): the file key never leaves the extension
 * except in a passphrase-sealed vault export or a share link's fragment. Losing it loses the file.
 */
export type FileEncryption = {
  mode: "private" | "convergent";
  /**
   * The 32-byte file key, hex; null when this copy came from a plaintext export made without keys
   * (the file cannot be decrypted with this record alone).
   */
  key: Hex | null;
  /** Bytes of the plaintext (the record's `size` is the ciphertext's). */
  plaintextSize: number;
  /** Plaintext bytes per segment. */
  segmentSize: number;
  /**
   * The ciphertext's 100-byte header, hex (not secret: the provider stores it as the file's first
   * bytes). With the key it encrypts the same File again to the same bytes — for an ownership proof
   * when the file is renewed. Absent in records of earlier versions.
   */
  header?: Hex | undefined;
};

/** Schema v3 (v2 + `encryption`). */
export type VaultRecord = {
  /** `${chainId}:${contract}:${orderId}` (lowercase): an orderId is unique per contract only. */
  key: string;
  chainId: number;
  contract: Address;
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: number;
  quote: QuoteJson;
  quoteSignature: Hex;
  /** L and σ; null until the provider delivered. */
  link: string | null;
  signature: Hex | null;
  /** The signer the signatures were verified against. */
  signer: Address | null;
  verification: Verification;
  fileName: string;
  mimeType: string;
  providerUrl: string;
  deduplicated: boolean;
  payTxHash: Hex | null;
  payBlock: number | null;
  paymentStatus: "pending" | "mined" | "reverted" | "unknown";
  createdAt: number;
  updatedAt: number;
  chain: ChainView | null;
  actions: PenaltyAction[];
  audits: AuditResult[];
  /** Lowercased text searched by the vault list. */
  searchText: string;
  /**
   * v3: the file's encryption, or null when it is stored unencrypted (records from v1/v2, and files
   * stored as compute inputs, which the provider must be able to read). Absent = null.
   */
  encryption?: FileEncryption | null;
};

export function recordKey(chainId: number, contract: string, orderId: string): string {
  return `${chainId}:${contract.toLowerCase()}:${orderId.toLowerCase()}`;
}

export function searchTextOf(r: Pick<VaultRecord, "fileName" | "orderId" | "fileRoot" | "link" | "providerUrl" | "contract" | "payTxHash" | "client">): string {
  return [r.fileName, r.orderId, r.fileRoot, r.link ?? "", r.providerUrl, r.contract, r.payTxHash ?? "", r.client]
    .join(" ")
    .toLowerCase();
}

/** v1 → v2: re-keyed per contract, flattened terms, verification status and penalty history added. */
export function migrateV1Record(v1: VaultRecordV1): VaultRecord {
  const quote = v1.quote;
  const record: VaultRecord = {
    key: recordKey(v1.chainId, v1.contract, v1.orderId),
    chainId: v1.chainId,
    contract: v1.contract,
    orderId: v1.orderId.toLowerCase() as Hex,
    client: quote.client,
    fileRoot: quote.fileRoot.toLowerCase() as Hex,
    size: Number(quote.size),
    quote,
    quoteSignature: v1.quoteSignature,
    link: v1.link,
    signature: v1.signature,
    signer: v1.signer,
    // v1 verified before saving, against the signer it recorded; re-verification upgrades this.
    verification: { status: "unverified", by: "recorded", at: null, note: "migrated from vault v1" },
    fileName: v1.fileName,
    mimeType: "",
    providerUrl: v1.providerUrl,
    deduplicated: false,
    payTxHash: null,
    payBlock: null,
    paymentStatus: "unknown",
    createdAt: v1.savedAt,
    updatedAt: v1.savedAt,
    chain: null,
    actions: [],
    audits: [],
    searchText: "",
    encryption: null,
  };
  record.searchText = searchTextOf(record);
  return record;
}

/** v2 → v3: every v2 file was stored unencrypted. Throws for a value that is not a v2 record. */
export function migrateV2Record(v2: VaultRecord): VaultRecord {
  if (!v2 || typeof v2 !== "object" || typeof v2.key !== "string" || !v2.quote || typeof v2.orderId !== "string") {
    throw new Error("not a vault v2 record");
  }
  return { ...v2, encryption: v2.encryption ?? null };
}

/** Merges a second copy of the same order (import, re-save): nothing known is ever lost. */
export function mergeRecords(existing: VaultRecord, incoming: VaultRecord): VaultRecord {
  const rank: Record<VerificationStatus, number> = { invalid: 0, unverified: 1, verifiedOffline: 2, verified: 3 };
  // σ: keep ours unless we had none (or ours is not valid and theirs is).
  const takeTheirSigma =
    incoming.signature !== null &&
    (existing.signature === null ||
      (existing.verification.status === "invalid" && rank[incoming.verification.status] >= rank.verifiedOffline));
  const sigmaSource = takeTheirSigma ? incoming : existing;
  const verification =
    takeTheirSigma || (sigmaSource.signature === incoming.signature && rank[incoming.verification.status] > rank[existing.verification.status])
      ? incoming.verification
      : existing.verification;
  const actions = [...existing.actions];
  for (const action of incoming.actions) {
    const same = actions.findIndex((a) => a.txHash.toLowerCase() === action.txHash.toLowerCase());
    if (same < 0) actions.push(action);
    else if (actions[same]!.status === "pending" && action.status !== "pending") actions[same] = action;
  }
  actions.sort((a, b) => a.at - b.at);
  const audits = [...existing.audits];
  for (const audit of incoming.audits) {
    if (!audits.some((a) => a.at === audit.at && a.index === audit.index)) audits.push(audit);
  }
  audits.sort((a, b) => a.at - b.at);
  const newerChain =
    incoming.chain && (!existing.chain || incoming.chain.readAt > existing.chain.readAt) ? incoming.chain : existing.chain;
  const merged: VaultRecord = {
    ...existing,
    link: sigmaSource.link,
    signature: sigmaSource.signature,
    signer: sigmaSource.signer ?? existing.signer ?? incoming.signer,
    verification,
    fileName: existing.fileName || incoming.fileName,
    mimeType: existing.mimeType || incoming.mimeType,
    providerUrl: existing.providerUrl || incoming.providerUrl,
    deduplicated: existing.deduplicated || incoming.deduplicated,
    payTxHash: existing.payTxHash ?? incoming.payTxHash,
    payBlock: existing.payBlock ?? incoming.payBlock,
    paymentStatus: existing.paymentStatus === "unknown" || existing.paymentStatus === "pending" ? incoming.paymentStatus === "unknown" ? existing.paymentStatus : incoming.paymentStatus : existing.paymentStatus,
    createdAt: Math.min(existing.createdAt, incoming.createdAt),
    updatedAt: Math.max(existing.updatedAt, incoming.updatedAt),
    chain: newerChain,
    actions,
    audits,
    searchText: "",
    // The key of the stored ciphertext: keep the one we have; learn it from the other copy otherwise.
    encryption: existing.encryption?.key ? existing.encryption : incoming.encryption?.key ? incoming.encryption : (existing.encryption ?? incoming.encryption ?? null),
  };
  merged.searchText = searchTextOf(merged);
  return merged;
}
