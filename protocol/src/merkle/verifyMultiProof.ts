import { HASH_SIZE } from "./constants.ts";
import { MerkleError } from "./MerkleError.ts";
import { toHashBytes } from "./internal.ts";
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
  try {
    const root = toHashBytes(parameters.root, "root");
    const computed = rootFromMultiProof({ ...parameters, to: "bytes" });
    let diff = 0;
    for (let i = 0; i < HASH_SIZE; i++) diff |= root[i]! ^ computed[i]!;
    return diff === 0;
  } catch (error) {
    if (error instanceof MerkleError) return false;
    throw error;
  }
}
