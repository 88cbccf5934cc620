import { CHUNK_SIZE } from "../merkle/constants.ts";
import { ComputeError } from "./ComputeError.ts";
import { ELEMENTS_PER_CHUNK, MATRIX_TRAILER_SIZE, MAX_MATRIX_DIM, type MatrixLayout } from "./constants.ts";
import { lineChunks } from "./lineChunks.ts";

/** Where everything sits in a matrix file of the given shape. */
export type MatrixGeometry = {
  rows: number;
  cols: number;
  layout: MatrixLayout;
  /** Stored lines: `rows` for layout rows, `cols` for layout columns. */
  lines: number;
  /** Elements per stored line (cols for rows, rows for columns). */
  lineLength: number;
  /** Chunks per stored line (a power of two). */
  lineChunks: number;
  /** u32 elements between the starts of two lines (lineChunks · 256). */
  stride: number;
  /** File size in bytes: lines · lineChunks · 1024 + 32. */
  size: number;
  /** Chunks of the file (the trailer is the last one). */
  chunks: number;
};

/**
 * The geometry of a `PKMX` matrix file with `rows` × `cols` elements stored in `layout`.
 *
 * @throws {ComputeError} `InvalidDimensions`
 */
export function matrixGeometry({ rows, cols, layout }: { rows: number; cols: number; layout: MatrixLayout }): MatrixGeometry {
  for (const [name, value] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_MATRIX_DIM) {
      throw new ComputeError("InvalidDimensions", `${name} must be an integer in 1..${MAX_MATRIX_DIM}, got ${String(value)}`);
    }
  }
  if (layout !== "rows" && layout !== "columns") throw new ComputeError("InvalidDimensions", `unknown layout '${String(layout)}'`);
  const lines = layout === "rows" ? rows : cols;
  const lineLength = layout === "rows" ? cols : rows;
  const s = lineChunks(lineLength);
  const size = lines * s * CHUNK_SIZE + MATRIX_TRAILER_SIZE;
  if (!Number.isSafeInteger(size) || size > 2 ** 40) throw new ComputeError("InvalidDimensions", `a ${rows}×${cols} matrix is too large`);
  return { rows, cols, layout, lines, lineLength, lineChunks: s, stride: s * ELEMENTS_PER_CHUNK, size, chunks: lines * s + 1 };
}
