import { type Address, type Hex, isAddressEqual } from "viem";
import type { PekanuDomain, Receipt } from "./eip712.ts";
import { PekanuError } from "./errors.ts";
import { recoverSigner } from "./recoverSigner.ts";
import { receiptDigest } from "./typedData.ts";

/**
 * Checks σ: it must recover to `signer` (read from the contract, never from the provider's word).
 * Throws PekanuError "ReceiptSignerMismatch" naming the key that did sign.
 */
export function verifyReceipt({
  domain,
  receipt,
  signature,
  signer,
}: {
  domain: PekanuDomain;
  receipt: Receipt;
  signature: Hex;
  signer: Address;
}): void {
  const recovered = recoverSigner({ digest: receiptDigest({ domain, receipt }), signature });
  if (!isAddressEqual(recovered, signer)) {
    throw new PekanuError("ReceiptSignerMismatch", `σ was signed by ${recovered}, not by the provider's signer ${signer}`);
  }
}
