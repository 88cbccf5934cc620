import { KERNEL, MAX_JOB_K, MAX_MATRIX_DIM } from "@pekanu/protocol/compute";

export type KernelInfo = { id: number; name: string; maxM: number; maxK: number; maxN: number };

/**
 * The kernels this server runs, by protocol id, with the largest dimensions it quotes. The
 * contract accepts up to MAX_MATRIX_DIM / MAX_JOB_K; `--compute-max-mul-adds` bounds the work.
 */
export const computeKernels: readonly KernelInfo[] = [
  { id: KERNEL.matmul, name: "matmul", maxM: 16_384, maxK: MAX_JOB_K, maxN: 16_384 },
  { id: KERNEL.polyEval, name: "polyEval", maxM: 1, maxK: MAX_JOB_K, maxN: Math.min(MAX_MATRIX_DIM, 1 << 20) },
];

/** Multiply-adds of a job: m·k·n (polyEval: k·n, m = 1). */
export function jobMulAdds({ m, k, n }: { m: number; k: number; n: number }): number {
  return m * k * n;
}
