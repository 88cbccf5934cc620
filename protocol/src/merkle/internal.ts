// Helpers shared by the Merkle modules; not part of the public API.
import { bytesToHex } from "./bytesToHex.ts";
import { CHUNK_SIZE, HASH_SIZE, LEAF_PREFIX, NODE_PREFIX } from "./constants.ts";
import { hexToBytes } from "./hexToBytes.ts";
import { MerkleError } from "./MerkleError.ts";
import { sha256 as defaultSha256 } from "./sha256.ts";
import type { HashLike, HashOutput, Sha256, To } from "./types.ts";

/** A 32-byte hash from bytes or hex; `what` names it in the error. */
export function toHashBytes(value: HashLike, what: string): Uint8Array {
  const bytes = typeof value === "string" ? hexToBytes(value) : value;
  if (!(bytes instanceof Uint8Array) || bytes.length !== HASH_SIZE) {
    throw new MerkleError("InvalidHashLength", `${what} must be ${HASH_SIZE} bytes`);
  }
  return bytes;
}

/** Bytes from a `Uint8Array` or `0x` hex. */
export function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === "string" ? hexToBytes(value) : value;
}

/** A hash in the requested output form (bytes are copied into a plain `Uint8Array`). */
export function formatHash<to extends To>(hash: Uint8Array, to: to | undefined): HashOutput<to> {
  return (to === "bytes" ? new Uint8Array(hash) : bytesToHex(hash)) as HashOutput<to>;
}

export function assertIndex(index: number, what = "index"): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new MerkleError("InvalidIndex", `${what} must be a non-negative safe integer, got ${String(index)}`);
  }
}

export function assertTreeSize(treeSize: number): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) {
    throw new MerkleError("InvalidTreeSize", `treeSize must be a positive safe integer, got ${String(treeSize)}`);
  }
}

export function assertSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new MerkleError("InvalidSize", `size must be a non-negative safe integer, got ${String(size)}`);
  }
}

export function assertIndexInRange(index: number, count: number): void {
  assertIndex(index);
  if (index >= count) {
    throw new MerkleError("ChunkIndexOutOfRange", `index ${index} out of range for ${count} leaves`);
  }
}

/** Throws unless `chunk` has the length chunk `index` of a file with `count` chunks may have. */
export function assertChunkLength(chunk: Uint8Array, index: number, count: number): void {
  const ok = index < count - 1 ? chunk.length === CHUNK_SIZE : chunk.length <= CHUNK_SIZE && (chunk.length > 0 || count === 1);
  if (!ok) {
    const expected = index < count - 1 ? `${CHUNK_SIZE}` : count === 1 ? `0..${CHUNK_SIZE}` : `1..${CHUNK_SIZE}`;
    throw new MerkleError("InvalidChunkLength", `chunk ${index} of ${count} has ${chunk.length} bytes, expected ${expected}`);
  }
}

/** The largest power of two strictly less than `n` (n ≥ 2): RFC 6962's split point. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Leaf and node hashing with preallocated scratch buffers (the prefix byte is written once), so a
 * leaf costs one copy of the chunk and one hash call, and a node one 65-byte hash call.
 */
export type TreeHasher = {
  /** SHA-256(0x00 ‖ data[offset, offset + length)). */
  leaf(data: Uint8Array, offset?: number, length?: number): Uint8Array;
  /** SHA-256(0x01 ‖ left ‖ right). */
  node(left: Uint8Array, right: Uint8Array): Uint8Array;
  readonly sha256: Sha256;
};

export function createTreeHasher(sha256: Sha256 = defaultSha256): TreeHasher {
  let leafScratch = new Uint8Array(1 + CHUNK_SIZE);
  leafScratch[0] = LEAF_PREFIX;
  const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
  nodeScratch[0] = NODE_PREFIX;
  return {
    sha256,
    leaf(data, offset = 0, length = data.length - offset) {
      if (length + 1 > leafScratch.length) {
        // Raw RFC 6962 leaves (not file chunks) may be longer than a chunk.
        leafScratch = new Uint8Array(length + 1);
        leafScratch[0] = LEAF_PREFIX;
      }
      leafScratch.set(offset === 0 && length === data.length ? data : data.subarray(offset, offset + length), 1);
      return sha256(length + 1 === leafScratch.length ? leafScratch : leafScratch.subarray(0, length + 1));
    },
    node(left, right) {
      nodeScratch.set(left, 1);
      nodeScratch.set(right, 1 + HASH_SIZE);
      return sha256(nodeScratch);
    },
  };
}

/**
 * The Merkle Tree Hash of consecutive leaves fed one at a time, in O(log n) memory: `pending[l]`
 * holds the root of a complete subtree of 2^l leaves exactly when bit l of `count` is set (a
 * binary counter whose carries are node hashes). Folding the pending roots from the smallest
 * level up gives RFC 6962's MTH, whose left subtree is always the largest complete one.
 */
export type SubtreeStack = {
  push(leafHash: Uint8Array): void;
  /** MTH of the leaves pushed so far, plus `extraLeaf` at the end if given. Does not change the stack. */
  root(extraLeaf?: Uint8Array): Uint8Array;
  readonly count: number;
};

export function createSubtreeStack(hasher: TreeHasher): SubtreeStack {
  const pending: (Uint8Array | undefined)[] = [];
  let count = 0;
  return {
    get count() {
      return count;
    },
    push(leafHash) {
      let hash = leafHash;
      let level = 0;
      for (let c = count; c % 2 === 1; c = (c - 1) / 2, level++) {
        hash = hasher.node(pending[level]!, hash);
        pending[level] = undefined;
      }
      pending[level] = hash;
      count++;
    },
    root(extraLeaf) {
      let acc = extraLeaf;
      for (let level = 0, c = count; c > 0; c = Math.floor(c / 2), level++) {
        if (c % 2 === 1) acc = acc === undefined ? pending[level]! : hasher.node(pending[level]!, acc);
      }
      if (acc === undefined) throw new MerkleError("EmptyTree", "a Merkle tree needs at least one leaf here");
      return acc;
    },
  };
}

/**
 * The sibling subtrees of leaf `index` in a tree of `treeSize` leaves, from the leaf level upward
 * (the order of the RFC 9162 audit path): each as [start, count] of leaves.
 */
export function auditRanges(index: number, treeSize: number): [start: number, count: number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let n = treeSize;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      ranges.push([start + k, n - k]);
      n = k;
    } else {
      ranges.push([start, k]);
      start += k;
      m -= k;
      n -= k;
    }
  }
  return ranges.reverse();
}

/**
 * Whether the root `computeRoot` derives equals `root` (constant-time compare), for the verify*
 * functions: malformed input (a MerkleError from either side) is `false`, never a throw.
 */
export function rootMatches(root: HashLike, computeRoot: () => Uint8Array): boolean {
  try {
    const expected = toHashBytes(root, "root");
    const computed = computeRoot();
    let diff = 0;
    for (let i = 0; i < HASH_SIZE; i++) diff |= expected[i]! ^ computed[i]!;
    return diff === 0;
  } catch (error) {
    if (error instanceof MerkleError) return false;
    throw error;
  }
}
