import { type Hex, hexToBigInt } from "viem";

/** The contract keeps the low 200 bits of the quote's EIP-712 struct hash as the order commitment. */
export function orderCommitment(quoteStructHash: Hex): bigint {
  return hexToBigInt(quoteStructHash) & ((1n << 200n) - 1n);
}
