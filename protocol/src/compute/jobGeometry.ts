import { ComputeError } from "./ComputeError.ts";
import { ELEMENTS_PER_CHUNK, KERNEL, MAX_JOB_K } from "./constants.ts";
import { type MatrixGeometry, matrixGeometry } from "./matrixGeometry.ts";

/** One proven piece of a file: `unitChunks` chunks starting at chunk `index · unitChunks`. */
export type PieceLocation = {
  /** Chunks in the piece (a power of two: a whole line, or one chunk). */
  unitChunks: number;
  /** Index of the piece in units of `unitChunks`. */
  index: number;
  /** Leaves of the tree seen at the piece's level: ⌈chunks / unitChunks⌉. */
  units: number;
};

export type JobGeometry = {
  a: MatrixGeometry;
  b: MatrixGeometry;
  result: MatrixGeometry;
  /** Output items (i, j): i < m, j < n. */
  m: number;
  n: number;
  /** The pieces that prove output item (i, j): of A, of B, and of the result. */
  pieces(i: number, j: number): { a: PieceLocation; b: PieceLocation; result: PieceLocation };
};

/**
 * The shapes of a job's input and result files and where the pieces proving one output item sit.
 * matmul: A m×k (rows), B k×n (columns), C m×n (rows). polyEval: A 1×k (rows, coefficients c_0…),
 * B 1×n (rows, the points), y 1×n (rows).
 *
 * @throws {ComputeError} `UnknownKernel`, `InvalidDimensions`
 */
export function jobGeometry({ kernel, m, k, n }: { kernel: number; m: number; k: number; n: number }): JobGeometry {
  if (!Number.isSafeInteger(k) || k < 1 || k > MAX_JOB_K) throw new ComputeError("InvalidDimensions", `k must be an integer in 1..${MAX_JOB_K}, got ${String(k)}`);
  const line = (g: MatrixGeometry, index: number): PieceLocation => ({ unitChunks: g.lineChunks, index, units: g.lines + 1 });
  const chunkOf = (g: MatrixGeometry, row: number, col: number): PieceLocation => ({
    unitChunks: 1,
    index: row * g.lineChunks + Math.floor(col / ELEMENTS_PER_CHUNK),
    units: g.chunks,
  });
  if (kernel === KERNEL.matmul) {
    const a = matrixGeometry({ rows: m, cols: k, layout: "rows" });
    const b = matrixGeometry({ rows: k, cols: n, layout: "columns" });
    const result = matrixGeometry({ rows: m, cols: n, layout: "rows" });
    return { a, b, result, m, n, pieces: (i, j) => ({ a: line(a, i), b: line(b, j), result: chunkOf(result, i, j) }) };
  }
  if (kernel === KERNEL.polyEval) {
    if (m !== 1) throw new ComputeError("InvalidDimensions", `polyEval has m = 1, got ${m}`);
    const a = matrixGeometry({ rows: 1, cols: k, layout: "rows" });
    const b = matrixGeometry({ rows: 1, cols: n, layout: "rows" });
    const result = matrixGeometry({ rows: 1, cols: n, layout: "rows" });
    return { a, b, result, m, n, pieces: (_i, j) => ({ a: line(a, 0), b: chunkOf(b, 0, j), result: chunkOf(result, 0, j) }) };
  }
  throw new ComputeError("UnknownKernel", `unknown kernel id ${kernel}`);
}
