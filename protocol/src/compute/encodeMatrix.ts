import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME, MATRIX_TRAILER_SIZE, type MatrixLayout } from "./constants.ts";
import { matrixTrailer } from "./matrixTrailer.ts";
import { matrixGeometry } from "./matrixGeometry.ts";
import type { Matrix } from "./types.ts";

export type EncodeMatrixParameters = {
  matrix: Matrix;
  /** `"rows"` (default) for a left operand or a result; `"columns"` for the right operand of a product. */
  layout?: MatrixLayout | undefined;
};

/**
 * The `PKMX` file of `matrix`: its lines (rows, or columns for layout `"columns"`) as little-endian
 * u32, each padded with zeros to a power-of-two number of 1024-byte chunks, then the 32-byte trailer.
 *
 * @throws {ComputeError} `InvalidDimensions` or `InvalidElement` (an element ≥ p).
 */
export function encodeMatrix({ matrix, layout = "rows" }: EncodeMatrixParameters): Uint8Array {
  const { rows, cols, data } = matrix;
  const g = matrixGeometry({ rows, cols, layout });
  if (!(data instanceof Uint32Array) || data.length !== rows * cols) {
    throw new ComputeError("InvalidDimensions", `data must be a Uint32Array of ${rows * cols} elements`);
  }
  const bytes = new Uint8Array(g.size);
  const body = new Uint32Array(bytes.buffer, 0, g.lines * g.stride);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= FIELD_PRIME) throw new ComputeError("InvalidElement", `element ${i} is ${data[i]}, not below p = ${FIELD_PRIME}`);
  }
  if (layout === "rows") {
    for (let r = 0; r < rows; r++) body.set(data.subarray(r * cols, (r + 1) * cols), r * g.stride);
  } else {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) body[c * g.stride + r] = data[r * cols + c]!;
    }
  }
  if (!littleEndian()) swapWords(bytes.subarray(0, g.size - MATRIX_TRAILER_SIZE));
  bytes.set(matrixTrailer({ rows, cols, layout }), g.size - MATRIX_TRAILER_SIZE);
  return bytes;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

function swapWords(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 4) {
    const [a, b, c, d] = [bytes[i]!, bytes[i + 1]!, bytes[i + 2]!, bytes[i + 3]!];
    bytes[i] = d;
    bytes[i + 1] = c;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}
