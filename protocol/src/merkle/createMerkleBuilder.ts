import { CHUNK_SIZE, LEAF_PREFIX } from "./constants.ts";
import { createSubtreeStack, createTreeHasher, formatHash } from "./internal.ts";
import type { HashOutput, Sha256, To } from "./types.ts";

export type CreateMerkleBuilderParameters = {
  /** SHA-256 implementation (default: the pure TypeScript `sha256`; in Node pass `nodeSha256`). */
  sha256?: Sha256 | undefined;
};

/** A file commitment: the Merkle root over the file's 1024-byte chunks, its size and chunk count. */
export type FileCommitment<to extends To = "hex"> = {
  root: HashOutput<to>;
  /** File size in bytes. */
  size: number;
  /** Number of chunks (Merkle leaves), see `chunkCount`. */
  chunks: number;
};

export type MerkleBuilder = {
  /** Appends the next bytes of the file; pieces may have any size (partial chunks are buffered). */
  update(bytes: Uint8Array): MerkleBuilder;
  /**
   * The commitment to everything appended so far. Does not finalize: more `update`s may follow and
   * `digest` may be called again (e.g. for a running root).
   */
  digest<to extends To = "hex">(options?: { to?: to | undefined }): FileCommitment<to>;
  /** Bytes appended so far. */
  readonly size: number;
};

/**
 * An incremental file commitment builder: feed the file in pieces of any size with `update`, read
 * the root with `digest`. Memory is O(log n) hashes plus one chunk buffer; leaf hashes are not
 * kept (one pending subtree root per level, folded RFC 6962 style at `digest`).
 *
 * @example
 * const builder = createMerkleBuilder()
 * for await (const piece of stream) builder.update(piece)
 * const { root, size, chunks } = builder.digest()
 */
export function createMerkleBuilder({ sha256 }: CreateMerkleBuilderParameters = {}): MerkleBuilder {
  const hasher = createTreeHasher(sha256);
  const stack = createSubtreeStack(hasher);
  // The partial chunk, kept with its leaf prefix so a full chunk is hashed without another copy.
  const pending = new Uint8Array(1 + CHUNK_SIZE);
  pending[0] = LEAF_PREFIX;
  let pendingLength = 0;
  let size = 0;

  const builder: MerkleBuilder = {
    get size() {
      return size;
    },
    update(bytes) {
      const length = bytes.length;
      let offset = 0;
      if (pendingLength > 0) {
        const take = Math.min(CHUNK_SIZE - pendingLength, length);
        pending.set(take === length ? bytes : bytes.subarray(0, take), 1 + pendingLength);
        pendingLength += take;
        offset = take;
        if (pendingLength === CHUNK_SIZE) {
          stack.push(hasher.sha256(pending));
          pendingLength = 0;
        }
      }
      // Whole chunks straight from the input.
      for (; length - offset >= CHUNK_SIZE; offset += CHUNK_SIZE) {
        stack.push(hasher.leaf(bytes, offset, CHUNK_SIZE));
      }
      if (offset < length) {
        pending.set(bytes.subarray(offset), 1);
        pendingLength = length - offset;
      }
      size += length;
      return builder;
    },
    digest(options) {
      // A trailing partial chunk is the last leaf; with no bytes at all, the one empty chunk is.
      const last = pendingLength > 0 || stack.count === 0 ? hasher.sha256(pending.subarray(0, 1 + pendingLength)) : undefined;
      return {
        root: formatHash(stack.root(last), options?.to),
        size,
        chunks: stack.count + (last === undefined ? 0 : 1),
      };
    },
  };
  return builder;
}
