import { ComputeError } from "./ComputeError.ts";
import { KERNEL } from "./constants.ts";
import { decodeMatrix } from "./decodeMatrix.ts";
import { encodeMatrix } from "./encodeMatrix.ts";
import { evaluatePolynomial } from "./evaluatePolynomial.ts";
import { jobGeometry } from "./jobGeometry.ts";
import { multiplyMatrices } from "./multiplyMatrices.ts";
import type { MatmulKernel } from "./wasm/loadMatmulKernel.ts";

export type RunJobParameters = {
  kernel: number;
  m: number;
  k: number;
  n: number;
  /** Input file A (matmul: m×k rows; polyEval: 1×k coefficients). */
  a: Uint8Array;
  /** Input file B (matmul: k×n columns; polyEval: 1×n points). */
  b: Uint8Array;
  /** The WebAssembly kernel for matmul (else the TypeScript reference runs: same result, slower). */
  matmul?: MatmulKernel | undefined;
};

/**
 * Runs kernel `kernel` on two input files and returns the result file. Checks that both inputs
 * are well-formed matrix files of exactly the job's shapes and layouts first.
 *
 * @throws {ComputeError} `InvalidMatrixFile`, `InvalidDimensions`, `UnknownKernel`
 */
export function runJob({ kernel, m, k, n, a, b, matmul }: RunJobParameters): Uint8Array {
  const g = jobGeometry({ kernel, m, k, n });
  const A = decodeMatrix(a);
  const B = decodeMatrix(b);
  for (const [name, file, want] of [["A", A, g.a], ["B", B, g.b]] as const) {
    if (file.matrix.rows !== want.rows || file.matrix.cols !== want.cols || file.layout !== want.layout) {
      throw new ComputeError(
        "InvalidDimensions",
        `input ${name} is ${file.matrix.rows}×${file.matrix.cols} (${file.layout}), the job needs ${want.rows}×${want.cols} (${want.layout})`,
      );
    }
  }
  if (kernel === KERNEL.matmul) {
    if (matmul !== undefined) return matmul.multiply({ a, b, m, k, n });
    return encodeMatrix({ matrix: multiplyMatrices({ a: A.matrix, b: B.matrix }) });
  }
  const y = evaluatePolynomial({ coefficients: A.matrix.data, points: B.matrix.data });
  return encodeMatrix({ matrix: { rows: 1, cols: n, data: y } });
}
