import { MerkleError } from "./MerkleError.ts";
import { assertChunkLength, createTreeHasher, formatHash, splitPoint, toHashBytes } from "./internal.ts";
import { multiProofRanges } from "./multiProofRanges.ts";
import type { HashLike, HashOptions, HashOutput, To } from "./types.ts";

export type RootFromMultiProofParameters<to extends To = "hex"> = HashOptions<to> & {
  /** The proven leaf (chunk) indices, strictly increasing. */
  indices: readonly number[];
  /** The chunks at those indices, in the same order. */
  chunks: readonly Uint8Array[];
  /** Number of leaves (chunks) in the tree; for a file, `chunkCount(size)` from the commitment. */
  treeSize: number;
  /** The hashes of the subtrees {@link multiProofRanges} names, in its order. */
  proof: readonly HashLike[];
};

/**
 * The root implied by several chunks and their deduplicated proof ({@link multiProofRanges}).
 * Compare it with the committed root, or use {@link verifyMultiProof}.
 *
 * @throws {MerkleError} `ProofLengthMismatch` when the proof has more or fewer hashes than the
 *   indices need, `InvalidChunkLength`, `InvalidHashLength`, `InvalidHex`, and what
 *   {@link multiProofRanges} throws.
 */
export function rootFromMultiProof<to extends To = "hex">(parameters: RootFromMultiProofParameters<to>): HashOutput<to> {
  const { indices, chunks, treeSize, proof, sha256, to } = parameters;
  const needed = multiProofRanges({ indices, treeSize }).length;
  if (chunks.length !== indices.length) throw new MerkleError("ProofLengthMismatch", `${chunks.length} chunks for ${indices.length} indices`);
  if (proof.length !== needed) throw new MerkleError("ProofLengthMismatch", `proof has ${proof.length} hashes, these ${indices.length} indices in a tree of ${treeSize} need ${needed}`);
  const hasher = createTreeHasher(sha256);
  const hashes = proof.map((p, i) => toHashBytes(p, `proof[${i}]`));
  let next = 0;
  const walk = (a: number, n: number, lo: number, hi: number): Uint8Array => {
    if (lo === hi) return hashes[next++]!;
    if (n === 1) {
      assertChunkLength(chunks[lo]!, a, treeSize);
      return hasher.leaf(chunks[lo]!);
    }
    const k = splitPoint(n);
    let mid = lo;
    while (mid < hi && indices[mid]! < a + k) mid++;
    const left = walk(a, k, lo, mid);
    return hasher.node(left, walk(a + k, n - k, mid, hi));
  };
  return formatHash(walk(0, treeSize, 0, indices.length), to);
}
