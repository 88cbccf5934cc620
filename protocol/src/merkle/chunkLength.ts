import { chunkCount } from "./chunkCount.ts";
import { CHUNK_SIZE } from "./constants.ts";
import { assertIndexInRange } from "./internal.ts";

export type ChunkLengthParameters = {
  /** File size in bytes. */
  size: number;
  /** Chunk index (0-based). */
  index: number;
};

/**
 * Length in bytes of chunk `index` of a file of `size` bytes: 1024, except the last chunk, which
 * holds the rest (0 only for the empty file). The contract requires exactly this length.
 *
 * @throws {MerkleError} `ChunkIndexOutOfRange`, `InvalidIndex` or `InvalidSize`.
 */
export function chunkLength({ size, index }: ChunkLengthParameters): number {
  const count = chunkCount(size);
  assertIndexInRange(index, count);
  return index < count - 1 ? CHUNK_SIZE : size - (count - 1) * CHUNK_SIZE;
}
