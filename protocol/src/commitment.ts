import { type Hex, hexToBigInt } from "viem";

/** The contract keeps the low 192 bits of the quote's EIP-712 struct hash as the order commitment. */
export function orderCommitment(quoteStructHash: Hex): bigint {
  return hexToBigInt(quoteStructHash) & ((1n << 192n) - 1n);
}
