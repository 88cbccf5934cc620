import { MerkleError } from "./MerkleError.ts";
import {
  assertChunkLength,
  assertIndexInRange,
  assertTreeSize,
  createTreeHasher,
  formatHash,
  toHashBytes,
  type TreeHasher,
} from "./internal.ts";
import type { HashLike, HashOptions, HashOutput, To } from "./types.ts";

/** The leaf, given either as its hash or as the file chunk itself (then hashed as SHA-256(0x00 ‖ chunk)). */
export type InclusionLeaf =
  | {
      /** Leaf hash SHA-256(0x00 ‖ chunk). */
      leafHash: HashLike;
      chunk?: undefined;
    }
  | {
      /** The file chunk; its length must fit its position (1024 bytes except the last chunk). */
      chunk: Uint8Array;
      leafHash?: undefined;
    };

export type RootFromInclusionParameters<to extends To = "hex"> = HashOptions<to> &
  InclusionLeaf & {
    /** Leaf (chunk) index, 0-based. */
    index: number;
    /** Number of leaves (chunks) in the tree. */
    treeSize: number;
    /** Audit path, from the leaf level upward (RFC 9162 §2.1.3). */
    proof: readonly HashLike[];
  };

/**
 * RFC 9162 §2.1.3.2 on bytes: the root implied by a leaf hash at `index` in a tree of `treeSize`
 * leaves and its audit path; throws `ProofLengthMismatch` when the path length does not fit.
 * @internal
 */
export function rootFromAuditPath(
  hasher: TreeHasher,
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array {
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new MerkleError("ProofLengthMismatch", `proof longer than the path of leaf ${index} in a tree of ${treeSize}`);
    if (fn % 2 === 1 || fn === sn) {
      r = hasher.node(p, r);
      // Skip the levels where this leaf's subtree is the right edge and has no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hasher.node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new MerkleError("ProofLengthMismatch", `proof shorter than the path of leaf ${index} in a tree of ${treeSize}`);
  return r;
}

/**
 * The root implied by a leaf (or chunk) at `index` in a tree of `treeSize` leaves and its audit
 * path, per RFC 9162 §2.1.3.2. Compare it with the committed root, or use {@link verifyInclusion}.
 *
 * @throws {MerkleError} `ChunkIndexOutOfRange`, `InvalidIndex`, `InvalidTreeSize`, `ProofLengthMismatch`,
 *   `InvalidHashLength`, `InvalidHex` or (for `chunk`) `InvalidChunkLength`.
 */
export function rootFromInclusion<to extends To = "hex">(parameters: RootFromInclusionParameters<to>): HashOutput<to> {
  const { index, treeSize, proof, sha256, to } = parameters;
  assertTreeSize(treeSize);
  assertIndexInRange(index, treeSize);
  const hasher = createTreeHasher(sha256);
  let leaf: Uint8Array;
  if (parameters.chunk !== undefined) {
    assertChunkLength(parameters.chunk, index, treeSize);
    leaf = hasher.leaf(parameters.chunk);
  } else {
    leaf = toHashBytes(parameters.leafHash, "leafHash");
  }
  // The longest audit path in a tree of n leaves has ⌈log2 n⌉ hashes: reject longer input before parsing it.
  let maxLength = 0;
  for (let x = treeSize - 1; x > 0; x = Math.floor(x / 2)) maxLength++;
  if (proof.length > maxLength) {
    throw new MerkleError("ProofLengthMismatch", `proof has ${proof.length} hashes, a tree of ${treeSize} needs at most ${maxLength}`);
  }
  const path = proof.map((p, i) => toHashBytes(p, `proof[${i}]`));
  return formatHash(rootFromAuditPath(hasher, leaf, index, treeSize, path), to);
}
