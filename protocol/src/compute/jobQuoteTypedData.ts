import { computeDomain } from "./computeDomain.ts";
import { type ComputeDomain, type JobQuote, jobQuoteTypes } from "./jobTypes.ts";

/** The JobQuote as ready-to-sign typed data (viem `signTypedData`, a wallet's `eth_signTypedData_v4`). */
export function jobQuoteTypedData({ domain, quote }: { domain: ComputeDomain; quote: JobQuote }) {
  return { domain: computeDomain(domain), types: jobQuoteTypes, primaryType: "JobQuote", message: quote } as const;
}
