import { CHUNK_SIZE } from "./constants.ts";
import { assertSize } from "./internal.ts";

/**
 * Number of chunks (Merkle leaves) of a file of `size` bytes: ⌈size / 1024⌉, and 1 for an empty
 * file (one empty chunk).
 *
 * @throws {MerkleError} `InvalidSize` unless `size` is a non-negative safe integer.
 */
export function chunkCount(size: number): number {
  assertSize(size);
  return size === 0 ? 1 : Math.ceil(size / CHUNK_SIZE);
}
