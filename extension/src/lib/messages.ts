// The one message type the UI surfaces send to the background (validated with zod there), the
// answer envelope, and the view the background pushes over a port.
import { z } from "zod";
import type { HumanError } from "./errors.ts";
import type { FileMetaEncryption, FlowState, Step } from "./flow.ts";
import type { Settings } from "./settings.ts";
import type { VaultRecord } from "./vault/schema.ts";
import type { OrderSummary } from "../background/controllers/orders.ts";
import type { ComputeState } from "../background/controllers/compute.ts";
import type { BatchEntry } from "../background/controllers/batch.ts";

const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const recordKey = z.string().min(1).max(200);
/** A local order id (orders are many; an action without one applies to the current order). */
const orderRef = { orderId: z.string().uuid().optional() };
/** The page that holds an order's upload (one page at a time). */
const leaseId = z.string().min(8).max(64);

export const fileMetaSchema = z.object({
  name: z.string().max(1024),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  lastModified: z.number(),
  mimeType: z.string().max(255),
  fileRoot: bytes32.transform((s) => s.toLowerCase() as `0x${string}`),
  chunks: z.number().int().positive(),
  encryption: z
    .object({
      mode: z.enum(["private", "convergent"]),
      key: z.string().regex(/^0x[0-9a-fA-F]{64}$/).transform((s) => s.toLowerCase() as `0x${string}`),
      header: z.string().regex(/^0x[0-9a-fA-F]{200}$/).transform((s) => s.toLowerCase() as `0x${string}`),
      plaintextSize: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      segmentSize: z.number().int().positive(),
    })
    .nullable()
    .optional(),
});

export const ownershipProofSchema = z.object({ index: z.number().int().nonnegative(), chunk: z.string().max(2048), proof: z.array(bytes32).max(64) });
export type OwnershipProofInput = z.infer<typeof ownershipProofSchema>;

export const requestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("view.get") }),
  z.object({ type: z.literal("settings.set"), walletExtensionId: z.string().regex(/^[a-p]{32}$/).optional(), defaultStorageDays: z.number().int().min(1).max(36_500).optional(),
    watchChunks: z.number().int().min(1).max(64).optional(),
    watchIntervalMinutes: z.number().min(0.5).max(60 * 24 * 30).optional(),
    watchUnreachableMinutes: z.number().min(0.5).max(60 * 24 * 30).optional(),
    watchAutoEnforce: z.boolean().optional(),
    watchSpendCapWei: z.string().regex(/^\d{1,30}$/).optional() }),
  z.object({ type: z.literal("wallet.connect") }),
  z.object({ type: z.literal("wallet.switchChain") }),
  z.object({ type: z.literal("provider.connect"), url: z.string().min(1).max(2048) }),
  z.object({ type: z.literal("provider.forget") }),
  z.object({ type: z.literal("auth.signIn") }),
  z.object({ type: z.literal("registration.request"), inviteCode: z.string().max(200).optional() }),
  z.object({ type: z.literal("registration.check") }),
  z.object({ type: z.literal("order.fileCommitted"), file: fileMetaSchema, storageDays: z.number().int().min(1).max(36_500) }),
  z.object({ type: z.literal("order.setStorageDays"), storageDays: z.number().int().min(1).max(36_500), ...orderRef }),
  z.object({ type: z.literal("order.select"), orderId: z.string().uuid().nullable() }),
  z.object({ type: z.literal("order.quote"), ...orderRef }),
  z.object({ type: z.literal("order.checkBalance"), ...orderRef }),
  z.object({ type: z.literal("order.pay"), ...orderRef }),
  z.object({ type: z.literal("order.refresh") }),
  z.object({ type: z.literal("order.uploadTarget"), leaseId, ...orderRef }),
  z.object({ type: z.literal("order.fileEncryption"), orderId: z.string().uuid() }),
  z.object({ type: z.literal("order.uploadStarted"), leaseId, total: z.number().int().nonnegative(), ...orderRef }),
  z.object({ type: z.literal("order.uploadProgress"), leaseId, sent: z.number().int().nonnegative(), total: z.number().int().nonnegative(), ...orderRef }),
  z.object({ type: z.literal("order.uploadInterrupted"), leaseId, reason: z.string().max(2000), status: z.number().int().optional(), body: z.string().max(20_000).optional(), ...orderRef }),
  z.object({ type: z.literal("order.uploadFinished"), leaseId, body: z.unknown(), ...orderRef }),
  z.object({
    type: z.literal("order.submitOwnershipProof"),
    leaseId,
    proofs: z.array(ownershipProofSchema).min(1).max(64),
    ...orderRef,
  }),
  z.object({ type: z.literal("order.clear"), ...orderRef }),
  z.object({ type: z.literal("batch.add"), files: z.array(fileMetaSchema).min(1).max(200), storageDays: z.number().int().min(1).max(36_500) }),
  z.object({ type: z.literal("batch.quote"), batchId: z.string().uuid() }),
  z.object({ type: z.literal("batch.checkBalance"), batchId: z.string().uuid() }),
  z.object({ type: z.literal("batch.pay"), batchId: z.string().uuid() }),
  z.object({ type: z.literal("batch.cancel"), batchId: z.string().uuid(), orderId: z.string().uuid().optional() }),
  z.object({ type: z.literal("error.dismiss") }),
  z.object({ type: z.literal("app.open"), hash: z.string().max(300).regex(/^(#[\w/%.:-]*)?$/) }),
  z.object({ type: z.literal("vault.list"), query: z.string().max(500).optional(), offset: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(500).optional() }),
  z.object({ type: z.literal("vault.get"), key: recordKey }),
  z.object({ type: z.literal("vault.reverify"), key: recordKey }),
  z.object({ type: z.literal("vault.renew"), key: recordKey }),
  z.object({ type: z.literal("vault.audit"), key: recordKey }),
  z.object({ type: z.literal("vault.refreshChain"), key: recordKey }),
  z.object({ type: z.literal("vault.downloadTarget"), key: recordKey }),
  /** With a passphrase: sealed, file keys included. Without: plaintext, keys only when `includeKeys` (an explicit choice). */
  z.object({ type: z.literal("vault.export"), passphrase: z.string().max(1024).optional(), includeKeys: z.boolean().optional() }),
  z.object({ type: z.literal("vault.import"), json: z.string().max(64 << 20), passphrase: z.string().max(1024).optional() }),
  /** A share link for one encrypted file: the wallet signs the download grant. */
  z.object({ type: z.literal("vault.shareLink"), key: recordKey }),
  z.object({ type: z.literal("penalty.dispute"), key: recordKey }),
  z.object({ type: z.literal("penalty.challenge"), key: recordKey }),
  z.object({ type: z.literal("penalty.claim"), key: recordKey }),
  z.object({ type: z.literal("credits.read") }),
  z.object({ type: z.literal("compute.info") }),
  z.object({
    type: z.literal("compute.quote"),
    kernel: z.number().int().min(0).max(255),
    a: recordKey,
    b: recordKey,
    m: z.number().int().positive().max(1 << 24),
    k: z.number().int().positive().max(1 << 24),
    n: z.number().int().positive().max(1 << 24),
  }),
  z.object({ type: z.literal("compute.checkBalance"), key: recordKey }),
  z.object({ type: z.literal("compute.pay"), key: recordKey }),
  z.object({ type: z.literal("compute.refresh"), key: recordKey }),
  z.object({ type: z.literal("compute.readChain"), key: recordKey }),
  z.object({ type: z.literal("compute.disputeDelivery"), key: recordKey }),
  z.object({ type: z.literal("compute.claimPenalty"), key: recordKey }),
  z.object({ type: z.literal("compute.challengeResult"), key: recordKey }),
  z.object({ type: z.literal("compute.targets"), key: recordKey }),
  z.object({
    type: z.literal("compute.recordCheck"),
    key: recordKey,
    verified: z.boolean(),
    errorLog2: z.number().max(0),
    ms: z.number().nonnegative(),
    wrong: z.object({ i: z.number().int().nonnegative(), j: z.number().int().nonnegative(), expected: z.number().int().nonnegative(), found: z.number().int().nonnegative() }).optional(),
  }),
  z.object({
    type: z.literal("compute.proveFraud"),
    key: recordKey,
    item: z.object({
      i: z.number().int().nonnegative(),
      j: z.number().int().nonnegative(),
      // A row of A and a column of B: at most MAX_JOB_K = 2^15 elements (128 KiB) each, as hex.
      aData: z.string().regex(/^0x[0-9a-fA-F]*$/).max(2 + 2 * 4 * (1 << 15)),
      aProof: z.array(bytes32).max(64),
      bData: z.string().regex(/^0x[0-9a-fA-F]*$/).max(2 + 2 * 4 * (1 << 15)),
      bProof: z.array(bytes32).max(64),
      cData: z.string().regex(/^0x[0-9a-fA-F]*$/).max(2 + 2 * 1024), // one chunk
      cProof: z.array(bytes32).max(64),
    }),
  }),
  z.object({ type: z.literal("compute.credits") }),
  z.object({ type: z.literal("compute.withdraw") }),
  z.object({ type: z.literal("credits.withdraw") }),
]);

export type Request = z.input<typeof requestSchema>;
export type RequestType = Request["type"];

export type Response<T = unknown> = { ok: true; data: T } | { ok: false; error: HumanError };

export type WalletStatus = "unknown" | "connecting" | "missing" | "locked" | "ready";

export type WalletView = {
  status: WalletStatus;
  walletId: string;
  accounts: `0x${string}`[];
  account: `0x${string}` | null;
  chainId: number | null;
};

/** Read on chain for the connected provider (never taken from the provider's word). */
export type ContractView = {
  chainId: number;
  address: `0x${string}`;
  signer: `0x${string}`;
  /** /v1/info's signer equals contract.signer(). */
  signerMatchesInfo: boolean;
  params: { settleDelay: string; responseWindow: string; challengeCooldown: string; challengeBond: string };
  readAt: number;
};

export type View = {
  /** The current order with its provider session, in the client reducer's shape. */
  flow: FlowState;
  /** Local id of the order on screen (null: none chosen). */
  currentOrderId: string | null;
  /** Every order in progress or finished this extension knows (newest first). */
  orders: OrderSummary[];
  /** Files dropped or picked together (their orders are in `orders`, with their batchId). */
  batches: BatchEntry[];
  step: Step;
  next: string;
  wallet: WalletView;
  /** Wallet network equals the provider's (null: unknown yet). */
  chainOk: boolean | null;
  contract: ContractView | null;
  busy: string | null;
  settings: Settings;
  credits: { amount: string; readAt: number } | null;
  vault: { count: number; version: number };
  /** Compute jobs (newest first), the compute contract's credits and the provider's compute offer. */
  compute: ComputeState;
  now: number;
};

export type VaultListAnswer = { total: number; items: VaultRecord[]; ms: number };

export type ImportAnswer = {
  total: number;
  added: number;
  merged: number;
  verifiedOnChain: number;
  verifiedOffline: number;
  refused: { index: number; orderId: string | null; reason: string }[];
  ms: number;
  timings: { parseMs: number; verifyMs: number; saveMs: number };
  /** The export was sealed with a passphrase. */
  sealed?: boolean;
};

export type AuditAnswer = { ok: boolean; index: number; problem?: string };

export type DownloadTarget = { url: string; token: string | null; fileRoot: `0x${string}`; size: number; fileName: string };

export type UploadTarget = {
  url: string;
  token: string | null;
  fileRoot: `0x${string}`;
  size: number;
  mode: "upload" | "ownershipProof";
  indices: number[] | null;
  /** The key and header when the file is stored encrypted: the page encrypts as it sends. */
  encryption: FileMetaEncryption | null;
};

export { PORT_NAME } from "./port.ts";
export type PortMessage = { type: "view"; view: View };
