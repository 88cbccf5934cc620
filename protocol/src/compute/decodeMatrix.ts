import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME, MATRIX_TRAILER_SIZE, type MatrixLayout } from "./constants.ts";
import { readMatrixTrailer } from "./readMatrixTrailer.ts";
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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Uint32Array(g.rows * g.cols);
  for (let line = 0; line < g.lines; line++) {
    const base = line * g.stride * 4;
    for (let t = 0; t < g.stride; t++) {
      const value = view.getUint32(base + 4 * t, true);
      if (t >= g.lineLength) {
        if (value !== 0) throw new ComputeError("InvalidMatrixFile", `padding of line ${line} is not zero`);
        continue;
      }
      if (value >= FIELD_PRIME) throw new ComputeError("InvalidMatrixFile", `element ${t} of line ${line} is ${value}, not below p`);
      if (g.layout === "rows") data[line * g.cols + t] = value;
      else data[t * g.cols + line] = value;
    }
  }
  return { matrix: { rows: g.rows, cols: g.cols, data }, layout: g.layout };
}
