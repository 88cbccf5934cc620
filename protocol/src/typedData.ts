// Ready-to-sign typed-data payloads (for viem's signTypedData, a wallet's eth_signTypedData_v4, or
// hashing), built from the one definition in eip712.ts.
import { hashTypedData, type Hex } from "viem";
import { type PekanuDomain, type Quote, type Receipt, pekanuDomain, quoteTypes, receiptTypes } from "./eip712.ts";

export function quoteTypedData({ domain, quote }: { domain: PekanuDomain; quote: Quote }) {
  return { domain: pekanuDomain(domain), types: quoteTypes, primaryType: "Quote", message: quote } as const;
}

export function receiptTypedData({ domain, receipt }: { domain: PekanuDomain; receipt: Receipt }) {
  return { domain: pekanuDomain(domain), types: receiptTypes, primaryType: "Receipt", message: receipt } as const;
}

export function quoteDigest(args: { domain: PekanuDomain; quote: Quote }): Hex {
  return hashTypedData(quoteTypedData(args));
}

export function receiptDigest(args: { domain: PekanuDomain; receipt: Receipt }): Hex {
  return hashTypedData(receiptTypedData(args));
}
