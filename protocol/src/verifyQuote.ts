import { type Address, type Hex, isAddressEqual } from "viem";
import type { PekanuDomain, Quote } from "./eip712.ts";
import { PekanuError } from "./errors.ts";
import { recoverSigner } from "./recoverSigner.ts";
import { quoteDigest } from "./typedData.ts";

/** Checks a quote's signature against the signer the contract names, before paying it. */
export function verifyQuote({
  domain,
  quote,
  signature,
  signer,
}: {
  domain: PekanuDomain;
  quote: Quote;
  signature: Hex;
  signer: Address;
}): void {
  const recovered = recoverSigner({ digest: quoteDigest({ domain, quote }), signature });
  if (!isAddressEqual(recovered, signer)) {
    throw new PekanuError("QuoteSignerMismatch", `quote was signed by ${recovered}, not by the provider's signer ${signer}`);
  }
}
