import { MerkleError } from "./MerkleError.ts";
import { assertIndexInRange, assertTreeSize, splitPoint } from "./internal.ts";

export type MultiProofRangesParameters = {
  /** The proven leaf (chunk) indices, strictly increasing. */
  indices: readonly number[];
  /** Number of leaves (chunks) in the tree. */
  treeSize: number;
};

/**
 * The subtrees whose hashes (MTH) make the deduplicated inclusion proof of several leaves at once:
 * every maximal subtree holding none of `indices`, met in a left-to-right walk of the RFC 9162
 * tree (a subtree holding a proven leaf is split at its split point; a proven leaf is hashed from
 * its chunk). Siblings shared by the leaves' audit paths appear once; a single index gives exactly
 * its audit path's subtrees, top-down instead of bottom-up. Each entry is `[start, count]`.
 *
 * @throws {MerkleError} `InvalidIndex` (also when not strictly increasing), `ChunkIndexOutOfRange`
 *   or `InvalidTreeSize`; `EmptyTree` when `indices` is empty.
 */
export function multiProofRanges({ indices, treeSize }: MultiProofRangesParameters): [start: number, count: number][] {
  assertTreeSize(treeSize);
  if (indices.length === 0) throw new MerkleError("EmptyTree", "a multi-proof needs at least one index");
  for (let i = 0; i < indices.length; i++) {
    assertIndexInRange(indices[i]!, treeSize);
    if (i > 0 && indices[i]! <= indices[i - 1]!) throw new MerkleError("InvalidIndex", `indices must be strictly increasing, got ${indices[i - 1]} then ${indices[i]}`);
  }
  const out: [number, number][] = [];
  // [a, a + n) with indices[lo..hi) inside it.
  const walk = (a: number, n: number, lo: number, hi: number): void => {
    if (lo === hi) {
      out.push([a, n]);
      return;
    }
    if (n === 1) return;
    const k = splitPoint(n);
    let mid = lo;
    while (mid < hi && indices[mid]! < a + k) mid++;
    walk(a, k, lo, mid);
    walk(a + k, n - k, mid, hi);
  };
  walk(0, treeSize, 0, indices.length);
  return out;
}
