import type { TypedDataDomain } from "viem";
import { COMPUTE_EIP712_NAME, COMPUTE_EIP712_VERSION, type ComputeDomain } from "./jobTypes.ts";

/** The EIP-712 domain of a ComputeContract: binds every job signature to one chain and one contract. */
export function computeDomain({ chainId, verifyingContract }: ComputeDomain): TypedDataDomain {
  return { name: COMPUTE_EIP712_NAME, version: COMPUTE_EIP712_VERSION, chainId, verifyingContract };
}
