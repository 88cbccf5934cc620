// The compute jobs' HTTP surface (POST /v1/jobs/quotes, GET /v1/jobs[/:jobId]) as zod schemas:
// the provider server validates and serialises with them, the extension parses with them. Same
// conventions as api.ts: uint256/uint64 as decimal strings, bytes as 0x-hex.
import { z } from "zod";
import { zAddress, zBytes32, zSignature, zUint } from "../api.ts";
import { MAX_JOB_K, MAX_MATRIX_DIM } from "./constants.ts";

const dim = (max: number) => z.number().int().positive().max(max);

/** POST /v1/jobs/quotes: kernel (protocol KERNEL id: 1 matmul, 2 polyEval) on two of the client's stored files. */
export const jobQuoteRequest = z
  .object({
    kernel: z.number().int().nonnegative().max(255).describe("kernel id (KERNEL: 1 = matmul, 2 = polyEval)"),
    inputA: zBytes32.describe("fileRoot of input A, a stored file of the client's"),
    inputB: zBytes32.describe("fileRoot of input B, a stored file of the client's"),
    m: dim(MAX_MATRIX_DIM),
    k: dim(MAX_JOB_K),
    n: dim(MAX_MATRIX_DIM),
  })
  .strict();
export type JobQuoteRequest = z.infer<typeof jobQuoteRequest>;

/** A JobQuote as JSON (the EIP-712 message the client pays with `ComputeContract.pay`). */
export const jobQuoteJson = z.object({
  jobId: zBytes32,
  client: zAddress,
  kernel: z.number().int(),
  inputA: zBytes32,
  inputB: zBytes32,
  m: z.number().int(),
  k: z.number().int(),
  n: z.number().int(),
  price: zUint,
  fine: zUint,
  deliverBy: zUint,
  expiresAt: zUint,
});

export const jobQuoteResponse = z.object({ quote: jobQuoteJson, signature: zSignature });
export type JobQuoteResponse = z.infer<typeof jobQuoteResponse>;

/**
 * What a job is, as the client sees it: quoted (unpaid) → queued (payment seen) → running → done
 * (result stored, receipt signed and published); failed (the provider could not compute it: the
 * client disputes delivery and is refunded); refunded, settled, fraudProven (on chain).
 */
export const jobStates = ["quoted", "queued", "running", "done", "failed", "refunded", "settled", "fraudProven"] as const;
export type JobStateName = (typeof jobStates)[number];

export const jobResponse = z.object({
  jobId: zBytes32,
  state: z.enum(jobStates),
  /** Share of the computation done, 0..1. */
  progress: z.number().min(0).max(1),
  quote: jobQuoteJson,
  /** The signed JobReceipt's result part (the link is GET-able with the session: /v1/files/{resultRoot}). */
  receipt: z
    .object({
      resultRoot: zBytes32,
      resultSize: zUint,
      link: z.string(),
      signature: zSignature,
      signer: zAddress,
    })
    .nullable(),
  error: z.string().nullable(),
});
export type JobResponse = z.infer<typeof jobResponse>;

export const jobsResponse = z.object({ jobs: z.array(jobResponse) });
export type JobsResponse = z.infer<typeof jobsResponse>;
