import { ComputeError } from "./ComputeError.ts";
import { ELEMENTS_PER_CHUNK, MAX_MATRIX_DIM } from "./constants.ts";

/**
 * Chunks one stored line of `length` elements occupies in a matrix file: ⌈length / 256⌉ rounded up
 * to a power of two, so every line is an aligned subtree of the file's Merkle tree.
 *
 * @example
 * lineChunks(1024) // 4
 * lineChunks(1500) // 8
 */
export function lineChunks(length: number): number {
  if (!Number.isSafeInteger(length) || length < 1 || length > MAX_MATRIX_DIM) {
    throw new ComputeError("InvalidDimensions", `line length must be an integer in 1..${MAX_MATRIX_DIM}, got ${String(length)}`);
  }
  const chunks = Math.ceil(length / ELEMENTS_PER_CHUNK);
  let s = 1;
  while (s < chunks) s *= 2;
  return s;
}
