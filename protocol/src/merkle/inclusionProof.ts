import { MerkleError } from "./MerkleError.ts";
import {
  assertChunkLength,
  assertIndexInRange,
  auditRanges,
  createSubtreeStack,
  createTreeHasher,
  formatHash,
  toHashBytes,
} from "./internal.ts";
import type { HashLike, HashOptions, HashOutput, To } from "./types.ts";

export type InclusionProofParameters<to extends To = "hex"> = HashOptions<to> &
  (
    | {
        /** All chunks of the file (1024 bytes each except the last; see `splitChunks`). */
        chunks: readonly Uint8Array[];
        leafHashes?: undefined;
      }
    | {
        /** All leaf hashes SHA-256(0x00 ‖ leaf) of the tree. */
        leafHashes: readonly HashLike[];
        chunks?: undefined;
      }
  ) & {
    /** Leaf (chunk) index, 0-based. */
    index: number;
  };

/**
 * The RFC 9162 §2.1.3 audit path of leaf `index` for a tree held in memory, from the leaf level
 * upward. For a large file on disk use `proveChunk` (or `proveFileChunk` in Node) instead.
 *
 * @throws {MerkleError} `ChunkIndexOutOfRange`, `InvalidIndex`, `EmptyTree`, `InvalidChunkLength`,
 *   `InvalidHashLength` or `InvalidHex`.
 */
export function inclusionProof<to extends To = "hex">(parameters: InclusionProofParameters<to>): HashOutput<to>[] {
  const { index, sha256, to } = parameters;
  const hasher = createTreeHasher(sha256);
  let leaves: Uint8Array[];
  if (parameters.chunks !== undefined) {
    const { chunks } = parameters;
    leaves = chunks.map((chunk, i) => {
      assertChunkLength(chunk, i, chunks.length);
      return hasher.leaf(chunk);
    });
  } else {
    leaves = parameters.leafHashes.map((h, i) => toHashBytes(h, `leafHashes[${i}]`));
  }
  if (leaves.length === 0) throw new MerkleError("EmptyTree", "no leaves to prove inclusion in");
  assertIndexInRange(index, leaves.length);
  return auditRanges(index, leaves.length).map(([start, count]) => {
    const stack = createSubtreeStack(hasher);
    for (let i = start; i < start + count; i++) stack.push(leaves[i]!);
    return formatHash(stack.root(), to);
  });
}
