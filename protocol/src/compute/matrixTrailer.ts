import { FIELD_PRIME, MATRIX_MAGIC, MATRIX_TRAILER_SIZE, MATRIX_VERSION, type MatrixLayout } from "./constants.ts";

/** The 32-byte `PKMX` trailer: magic, version, layout, 2 zero bytes, rows, cols, modulus (u32 LE), 12 zero bytes. */
export function matrixTrailer({ rows, cols, layout }: { rows: number; cols: number; layout: MatrixLayout }): Uint8Array {
  const trailer = new Uint8Array(MATRIX_TRAILER_SIZE);
  const view = new DataView(trailer.buffer);
  MATRIX_MAGIC.forEach((b, i) => view.setUint8(i, b));
  view.setUint8(4, MATRIX_VERSION);
  view.setUint8(5, layout === "rows" ? 0 : 1);
  view.setUint32(8, rows, true);
  view.setUint32(12, cols, true);
  view.setUint32(16, FIELD_PRIME, true);
  return trailer;
}
