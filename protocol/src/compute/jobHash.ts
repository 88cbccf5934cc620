import { type Hex, hashStruct } from "viem";
import { type JobQuote, jobQuoteTypes } from "./jobTypes.ts";

/** The EIP-712 struct hash of a JobQuote: what a JobReceipt names as `jobHash` (and the contract commits to). */
export function jobHash(quote: JobQuote): Hex {
  return hashStruct({ data: quote, primaryType: "JobQuote", types: jobQuoteTypes });
}
