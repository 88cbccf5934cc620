// The EIP-712 messages of compute jobs, one definition for the contract tests, the provider server
// and the extension. ComputeContract's type strings must match these (tested).
import type { Address, Hex } from "viem";

export const COMPUTE_EIP712_NAME = "Pekanu Compute";
export const COMPUTE_EIP712_VERSION = "1";

export const jobQuoteTypes = {
  JobQuote: [
    { name: "jobId", type: "bytes32" },
    { name: "client", type: "address" },
    { name: "kernel", type: "uint8" },
    { name: "inputA", type: "bytes32" },
    { name: "inputB", type: "bytes32" },
    { name: "m", type: "uint32" },
    { name: "k", type: "uint32" },
    { name: "n", type: "uint32" },
    { name: "price", type: "uint256" },
    { name: "fine", type: "uint256" },
    { name: "deliverBy", type: "uint64" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

export const jobReceiptTypes = {
  JobReceipt: [
    { name: "jobId", type: "bytes32" },
    { name: "jobHash", type: "bytes32" },
    { name: "resultRoot", type: "bytes32" },
    { name: "resultSize", type: "uint64" },
    { name: "link", type: "string" },
  ],
} as const;

/**
 * The provider's offer for one job: kernel `kernel` on the client's stored files `inputA`, `inputB`
 * (their fileRoots) with dimensions m, k, n (matmul: A m×k, B k×n; polyEval: m = 1, k coefficients,
 * n points), the result signed by `deliverBy`.
 */
export type JobQuote = {
  jobId: Hex;
  client: Address;
  kernel: number;
  inputA: Hex;
  inputB: Hex;
  m: number;
  k: number;
  n: number;
  price: bigint;
  fine: bigint;
  deliverBy: bigint;
  expiresAt: bigint;
};

/** The provider's signed result: the job (by its struct hash) and the result file's root, size and link. */
export type JobReceipt = {
  jobId: Hex;
  jobHash: Hex;
  resultRoot: Hex;
  resultSize: bigint;
  link: string;
};

/** The result part of a receipt, as the contract takes it. */
export type JobResult = { resultRoot: Hex; resultSize: bigint; link: string };

export type ComputeDomain = { chainId: number; verifyingContract: Address };
