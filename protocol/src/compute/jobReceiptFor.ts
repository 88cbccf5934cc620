import { jobHash } from "./jobHash.ts";
import type { JobQuote, JobReceipt, JobResult } from "./jobTypes.ts";

/** The receipt message for `quote` and its result. */
export function jobReceiptFor({ quote, result }: { quote: JobQuote; result: JobResult }): JobReceipt {
  return { jobId: quote.jobId, jobHash: jobHash(quote), ...result };
}
