import { rootMatches } from "./internal.ts";
import { rootFromInclusion, type InclusionLeaf } from "./rootFromInclusion.ts";
import type { HashLike, Sha256 } from "./types.ts";

export type VerifyInclusionParameters = InclusionLeaf & {
  /** The committed root. */
  root: HashLike;
  /** Leaf (chunk) index, 0-based. */
  index: number;
  /** Number of leaves (chunks) in the tree; for a file, `chunkCount(size)`. */
  treeSize: number;
  /** Audit path, from the leaf level upward (RFC 9162 §2.1.3). */
  proof: readonly HashLike[];
  sha256?: Sha256 | undefined;
};

/**
 * Whether `proof` proves the leaf (or chunk) at `index` in the tree of `treeSize` leaves with root
 * `root` (RFC 9162 §2.1.3.2). Never throws a {@link MerkleError}: malformed input (bad hex, wrong
 * hash length, index out of range, wrong path length, chunk of the wrong length) is `false`.
 *
 * Note: as in RFC 9162, the path binds the leaf position only relative to `treeSize`; the caller
 * must take `treeSize` from the commitment (`chunkCount(size)`), not from the prover.
 */
export function verifyInclusion(parameters: VerifyInclusionParameters): boolean {
  return rootMatches(parameters.root, () => rootFromInclusion({ ...parameters, to: "bytes" }));
}
