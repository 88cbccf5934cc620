import type { Matrix } from "./types.ts";

/** A NumPy `.npy` (format 1.0) file of `matrix`: dtype `<i8` (so products do not overflow in NumPy), C order. */
export function matrixToNpy(matrix: Matrix): Uint8Array {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${matrix.rows}, ${matrix.cols}), }`;
  // Magic (6) + version (2) + length (2) + header + '\n' is padded with spaces to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, " ")}\n`;
  const bytes = new Uint8Array(total + matrix.data.length * 8);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  bytes.set(new TextEncoder().encode(header), 10);
  matrix.data.forEach((v, i) => view.setBigInt64(total + 8 * i, BigInt(v), true));
  return bytes;
}
