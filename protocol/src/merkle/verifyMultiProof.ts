import { rootMatches } from "./internal.ts";
import { rootFromMultiProof } from "./rootFromMultiProof.ts";
import type { HashLike, Sha256 } from "./types.ts";

export type VerifyMultiProofParameters = {
  /** The committed root. */
  root: HashLike;
  /** The proven leaf (chunk) indices, strictly increasing. */
  indices: readonly number[];
  /** The chunks at those indices, in the same order. */
  chunks: readonly Uint8Array[];
  /** Number of leaves (chunks) in the tree: `chunkCount(size)` from the commitment, never from the prover. */
  treeSize: number;
  /** The hashes of the subtrees `multiProofRanges` names, in its order. */
  proof: readonly HashLike[];
  sha256?: Sha256 | undefined;
};

/**
 * Whether `chunks` at `indices` belong to the tree of `treeSize` leaves with root `root`, given
 * their deduplicated proof. Never throws a {@link MerkleError}: malformed input is `false`.
 */
export function verifyMultiProof(parameters: VerifyMultiProofParameters): boolean {
  return rootMatches(parameters.root, () => rootFromMultiProof({ ...parameters, to: "bytes" }));
}
