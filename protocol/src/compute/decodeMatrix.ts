import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME, MATRIX_TRAILER_SIZE, type MatrixLayout } from "./constants.ts";
import { readMatrixTrailer } from "./readMatrixTrailer.ts";
import { matrixWords } from "./matrixWords.ts";
import type { Matrix } from "./types.ts";

/**
 * Reads a `PKMX` file: shape, layout and elements (row-major, whatever the stored layout). Checks
 * the trailer, the size, that every element is below p and that all padding is zero.
 *
 * @throws {ComputeError} `InvalidMatrixFile`
 */
export function decodeMatrix(bytes: Uint8Array): { matrix: Matrix; layout: MatrixLayout } {
  if (bytes.length < MATRIX_TRAILER_SIZE) throw new ComputeError("InvalidMatrixFile", "not a matrix file: too short");
  const g = readMatrixTrailer({ trailer: bytes.subarray(bytes.length - MATRIX_TRAILER_SIZE), size: bytes.length });
  const body = matrixWords(bytes.subarray(0, bytes.length - MATRIX_TRAILER_SIZE));
  const data = new Uint32Array(g.rows * g.cols);
  for (let line = 0; line < g.lines; line++) {
    const base = line * g.stride;
    for (let t = 0; t < g.lineLength; t++) {
      const value = body[base + t]!;
      if (value >= FIELD_PRIME) throw new ComputeError("InvalidMatrixFile", `element ${t} of line ${line} is ${value}, not below p`);
    }
    for (let t = g.lineLength; t < g.stride; t++) {
      if (body[base + t] !== 0) throw new ComputeError("InvalidMatrixFile", `padding of line ${line} is not zero`);
    }
    if (g.layout === "rows") data.set(body.subarray(base, base + g.lineLength), line * g.cols);
    else for (let t = 0; t < g.lineLength; t++) data[t * g.cols + line] = body[base + t]!;
  }
  return { matrix: { rows: g.rows, cols: g.cols, data }, layout: g.layout };
}

