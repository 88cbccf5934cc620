// The vault's compute jobs (schema v4, store "jobs", beside the storage orders): one record per
// job the client asked a quote for — its signed quote, its payment, the provider's signed receipt
// (result root, size, link) and what the extension found when it checked the result.
import type { Address, Hex } from "viem";
import type { JobQuoteJson, ServerJobState } from "../compute/computeApi.ts";

/** Where a job stands, in the extension's words (the server's `state` is kept beside it). */
export type JobStatus =
  /** Quote signed by the provider, not paid yet. */
  | "quoted"
  /** Payment sent, not mined yet. */
  | "paying"
  /** Paid; the provider is computing. */
  | "computing"
  /** Receipt signed: the result is stored, not checked yet. */
  | "done"
  /** The result passed Freivalds' check. */
  | "verified"
  /** The result is wrong at (i, j): a fraud proof can be filed. */
  | "wrong"
  /** Fraud proof sent, not mined yet. */
  | "proving"
  /** Fraud proven on chain: price + fine credited. */
  | "fined"
  /** The provider reported the job failed (paid, no result). */
  | "failed"
  /** No result by the deadline: the dispute (disputeDelivery) is sent, not mined yet. */
  | "disputing"
  /** Dispute mined: the provider has until `onChain.deadline` to show a result or refund. */
  | "disputed"
  /** claimPenalty sent, not mined yet. */
  | "claiming"
  /** The provider left the dispute unanswered: price + fine credited (claimPenalty mined). */
  | "penalized"
  /** The provider answered the dispute with refund(): the price is credited. */
  | "refunded"
  /** The result cannot be downloaded: challengeResult (one chunk, with the bond) sent, not mined yet. */
  | "challenging"
  /** Challenge mined: the provider has until `onChain.deadline` to publish the chunk on chain. */
  | "challenged";

export type JobInput = { fileRoot: Hex; fileName: string; size: number; vaultKey: string | null };

export type JobReceiptRecord = { resultRoot: Hex; resultSize: number; link: string; signature: Hex; signer: Address };

export type JobCheck = {
  at: number;
  verified: boolean;
  /** log2 of the chance a wrong result passes (Freivalds' rounds), e.g. −61.9. */
  errorLog2: number;
  ms: number;
  /** The wrong entry found (absent when verified). */
  wrong?: { i: number; j: number; expected: number; found: number };
};

export type JobAction = { kind: "pay" | "proveFraud" | "withdraw" | "disputeDelivery" | "claimPenalty" | "challengeResult"; txHash: Hex; at: number; status: "pending" | "confirmed" | "failed"; blockNumber?: number; gasUsed?: string; effectiveGasPrice?: string };

export type JobRecord = {
  /** `${chainId}:${contract}:${jobId}` (lowercase). */
  key: string;
  chainId: number;
  /** The ComputeContract. */
  contract: Address;
  jobId: Hex;
  client: Address;
  providerUrl: string;
  kernel: number;
  quote: JobQuoteJson;
  quoteSignature: Hex;
  /** The provider's signer the quote was checked against. */
  signer: Address;
  inputs: { a: JobInput; b: JobInput };
  status: JobStatus;
  serverState: ServerJobState | null;
  progress: number;
  serverError: string | null;
  receipt: JobReceiptRecord | null;
  check: JobCheck | null;
  actions: JobAction[];
  /** Wei credited by a proven fraud or an unanswered dispute (price + fine), or a refund (price). */
  credited: string | null;
  /**
   * The wallet was asked to pay (before its answer): a service worker that stops before the tx
   * hash is saved looks for the job's JobPaid event from `fromBlock` after a restart.
   */
  payRequested?: { at: number; fromBlock: number } | null;
  /** The job as the compute contract last showed it (times are chain seconds). */
  onChain?: JobChainView | null;
  createdAt: number;
  updatedAt: number;
};

/** ComputeContract.JobState, by number. */
export const CHAIN_JOB_STATE = { None: 0, Paid: 1, DeliveryDisputed: 2, ResultChallenged: 3, Settled: 4, Refunded: 5, Penalized: 6, Fraudulent: 7 } as const;

export type JobChainView = {
  /** ComputeContract.JobState (CHAIN_JOB_STATE). */
  state: number;
  /** The result's receipt was shown on chain. */
  delivered: boolean;
  /** An open dispute's or challenge's deadline (0 if none). */
  deadline: number;
  /** When a dispute or fraud proof is no longer possible (settleAt). */
  closesAt: number;
  /** The contract's result-challenge bond (wei, decimal). */
  challengeBond: string;
  /** The latest block's timestamp when read. */
  blockTime: number;
  readAt: number;
};

export function jobKey(chainId: number, contract: string, jobId: string): string {
  return `${chainId}:${contract.toLowerCase()}:${jobId.toLowerCase()}`;
}

/** Statuses the background keeps following after a restart. */
export const OPEN_JOB_STATUSES: ReadonlySet<JobStatus> = new Set(["paying", "computing", "proving", "disputing", "disputed", "claiming", "challenging", "challenged"]);
