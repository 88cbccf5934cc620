// Constants of the compute jobs (docs/protocol-notes.md, "Compute jobs"). The contract's copies
// (ComputeContract.sol / ComputeKernels.sol) must match these (tested).

/** The field of every kernel: the Mersenne prime 2^31 − 1. */
export const FIELD_PRIME = 2147483647;
/** {@link FIELD_PRIME} as a bigint, for contract-side arithmetic and tests. */
export const FIELD_PRIME_BIG = 2147483647n;
/** u32 elements per 1024-byte chunk. */
export const ELEMENTS_PER_CHUNK = 256;
/** Bytes of the `PKMX` trailer that ends every matrix file. */
export const MATRIX_TRAILER_SIZE = 32;
/** The trailer's magic, ASCII "PKMX". */
export const MATRIX_MAGIC = [0x50, 0x4b, 0x4d, 0x58] as const;
export const MATRIX_VERSION = 1;
/** Largest number of rows or columns a matrix file may declare (2^24). */
export const MAX_MATRIX_DIM = 1 << 24;
/**
 * Largest inner dimension k of a job (2^15): a fraud proof carries a whole row of A and column of
 * B, so k bounds its calldata (~256 KiB at the cap, inside one transaction's gas cap).
 */
export const MAX_JOB_K = 1 << 15;

/** How a matrix file stores its lines: rows, or columns (the right operand of a product, "B stored transposed"). */
export type MatrixLayout = "rows" | "columns";

/** Kernel ids, fixed in the contract's code. */
export const KERNEL = { matmul: 1, polyEval: 2 } as const;
export type KernelName = keyof typeof KERNEL;
export type KernelId = (typeof KERNEL)[KernelName];

/** ComputeContract's JobState, by value. */
export const JobState = {
  None: 0,
  Paid: 1,
  DeliveryDisputed: 2,
  ResultChallenged: 3,
  Settled: 4,
  Refunded: 5,
  Penalized: 6,
  Fraudulent: 7,
} as const;
