import type { JobResponse } from "@pekanu/protocol/compute";
import type { JobRecord } from "../store/jobStore.ts";

/** The state a client sees: the chain's final states first, then the worker's status. */
export function jobStateName(job: JobRecord): JobResponse["state"] {
  switch (job.chainState) {
    case "Settled":
      return "settled";
    case "Refunded":
      return "refunded";
    case "Fraudulent":
      return "fraudProven";
  }
  return job.status;
}

/** A job as GET /v1/jobs/:jobId answers it (before encoding). */
export function jobView({ job, progress }: { job: JobRecord; progress: number | undefined }): JobResponse {
  const state = jobStateName(job);
  return {
    jobId: job.quote.jobId,
    state,
    progress: job.receipt ? 1 : Math.min(1, Math.max(0, progress ?? 0)),
    quote: job.quote,
    receipt: job.receipt && {
      resultRoot: job.receipt.resultRoot,
      resultSize: BigInt(job.receipt.resultSize),
      link: job.receipt.link,
      signature: job.receipt.signature,
      signer: job.receipt.signer,
    },
    error: job.error,
  };
}
