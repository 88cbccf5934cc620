import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME, MATRIX_MAGIC, MATRIX_TRAILER_SIZE, MATRIX_VERSION, type MatrixLayout } from "./constants.ts";
import { type MatrixGeometry, matrixGeometry } from "./matrixGeometry.ts";

/**
 * The shape a `PKMX` file declares in its trailer, checked against the file's size. Reads only the
 * last 32 bytes and the size, so a server can check an input file without loading it.
 *
 * @throws {ComputeError} `InvalidMatrixFile`
 */
export function readMatrixTrailer({ trailer, size }: { trailer: Uint8Array; size: number }): MatrixGeometry {
  if (trailer.length !== MATRIX_TRAILER_SIZE) throw new ComputeError("InvalidMatrixFile", "not a matrix file: too short");
  const view = new DataView(trailer.buffer, trailer.byteOffset, trailer.byteLength);
  if (!MATRIX_MAGIC.every((b, i) => view.getUint8(i) === b)) throw new ComputeError("InvalidMatrixFile", "not a matrix file: no PKMX trailer");
  if (view.getUint8(4) !== MATRIX_VERSION) throw new ComputeError("InvalidMatrixFile", `unsupported matrix file version ${view.getUint8(4)}`);
  const layoutByte = view.getUint8(5);
  if (layoutByte > 1) throw new ComputeError("InvalidMatrixFile", `unknown layout ${layoutByte}`);
  if (view.getUint32(16, true) !== FIELD_PRIME) throw new ComputeError("InvalidMatrixFile", `modulus is ${view.getUint32(16, true)}, not ${FIELD_PRIME}`);
  for (const i of [6, 7, ...Array.from({ length: 12 }, (_, t) => 20 + t)]) {
    if (view.getUint8(i) !== 0) throw new ComputeError("InvalidMatrixFile", "reserved trailer bytes are not zero");
  }
  const layout: MatrixLayout = layoutByte === 0 ? "rows" : "columns";
  let g: MatrixGeometry;
  try {
    g = matrixGeometry({ rows: view.getUint32(8, true), cols: view.getUint32(12, true), layout });
  } catch (error) {
    throw new ComputeError("InvalidMatrixFile", `bad dimensions: ${(error as Error).message}`);
  }
  if (g.size !== size) throw new ComputeError("InvalidMatrixFile", `a ${g.rows}×${g.cols} matrix file has ${g.size} bytes, this one ${size}`);
  return g;
}
