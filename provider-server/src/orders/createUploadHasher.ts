import { hash } from "node:crypto";
import type { Hex } from "viem";

const CHUNK_SIZE = 1024;
const HASH_SIZE = 32;

export type UploadHasher = {
  /** Appends the next bytes of the file (pieces of any size). */
  update(bytes: Uint8Array): void;
  /** The file commitment of everything appended so far (does not finalize). */
  digest(): { root: Hex; size: number; chunks: number };
  readonly size: number;
  /**
   * The hashing state after everything appended so far, as a short string (the pending subtree
   * roots, at most one per level, and the bytes of an unfinished chunk): what a resumable upload
   * stores so any server instance can continue it with `createUploadHasher({ state })`.
   */
  snapshot(): string;
};

/** Version tag of `snapshot()`'s format. */
const SNAPSHOT_VERSION = 1;

/**
 * The file commitment (RFC 6962 Merkle root over 1 KiB chunks, as @pekanu/protocol's
 * createMerkleBuilder computes it) for the upload path, where it is the server's main cost. Same
 * streaming structure (one pending subtree root per level), but every hash goes through
 * node:crypto's one-shot `hash` with a latin1 ("binary") string as output: a 32-character string is a plain
 * heap object, while a Buffer result carries a separately allocated backing store, so hashing is
 * about twice as fast and the garbage collector has far less to do. Input is copied with
 * Buffer#copy into preallocated scratch buffers (no view allocated per chunk). Checked against
 * the protocol builder by test/unit/uploadHasher.test.ts.
 */
export function createUploadHasher({ state }: { state?: string | undefined } = {}): UploadHasher {
  const leaf = Buffer.allocUnsafe(1 + CHUNK_SIZE);
  leaf[0] = 0x00;
  const node = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
  node[0] = 0x01;
  /** pending[level]: root of a complete subtree of 2^level leaves, present iff bit `level` of count is set. */
  const pending: string[] = [];
  let count = 0;
  let pendingLength = 0;
  let size = 0;

  if (state !== undefined) {
    const saved = JSON.parse(state) as { v: number; size: number; count: number; pending: string; partial: string };
    if (saved.v !== SNAPSHOT_VERSION || !Number.isSafeInteger(saved.size) || !Number.isSafeInteger(saved.count)) {
      throw new Error("not an upload hasher snapshot");
    }
    const roots = Buffer.from(saved.pending, "base64");
    const partial = Buffer.from(saved.partial, "base64");
    let at = 0;
    for (let level = 0, c = saved.count; c > 0; c = Math.floor(c / 2), level++) {
      if (c % 2 === 1) {
        pending[level] = roots.toString("latin1", at, at + HASH_SIZE);
        at += HASH_SIZE;
      }
    }
    if (at !== roots.length || partial.length >= CHUNK_SIZE || saved.size !== saved.count * CHUNK_SIZE + partial.length) {
      throw new Error("inconsistent upload hasher snapshot");
    }
    partial.copy(leaf, 1);
    pendingLength = partial.length;
    count = saved.count;
    size = saved.size;
  }

  const nodeHash = (left: string, right: string): string => {
    node.write(left, 1, HASH_SIZE, "latin1");
    node.write(right, 1 + HASH_SIZE, HASH_SIZE, "latin1");
    return hash("sha256", node, "binary");
  };

  const push = (leafHash: string) => {
    let h = leafHash;
    let level = 0;
    // Carries of a binary counter (count may exceed 2^31: arithmetic, not bit operators).
    for (let c = count; c % 2 === 1; c = (c - 1) / 2, level++) h = nodeHash(pending[level]!, h);
    pending[level] = h;
    count++;
  };

  return {
    get size() {
      return size;
    },
    update(bytes) {
      const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const length = input.length;
      let offset = 0;
      if (pendingLength > 0) {
        const take = Math.min(CHUNK_SIZE - pendingLength, length);
        input.copy(leaf, 1 + pendingLength, 0, take);
        pendingLength += take;
        offset = take;
        if (pendingLength === CHUNK_SIZE) {
          push(hash("sha256", leaf, "binary"));
          pendingLength = 0;
        }
      }
      for (; length - offset >= CHUNK_SIZE; offset += CHUNK_SIZE) {
        input.copy(leaf, 1, offset, offset + CHUNK_SIZE);
        push(hash("sha256", leaf, "binary"));
      }
      if (offset < length) {
        input.copy(leaf, 1, offset, length);
        pendingLength = length - offset;
      }
      size += length;
    },
    snapshot() {
      const roots: string[] = [];
      for (let level = 0, c = count; c > 0; c = Math.floor(c / 2), level++) if (c % 2 === 1) roots.push(pending[level]!);
      return JSON.stringify({
        v: SNAPSHOT_VERSION,
        size,
        count,
        pending: Buffer.from(roots.join(""), "latin1").toString("base64"),
        partial: leaf.toString("base64", 1, 1 + pendingLength),
      });
    },
    digest() {
      // A trailing partial chunk is the last leaf; with no bytes at all, the one empty chunk is.
      let acc = pendingLength > 0 || count === 0 ? hash("sha256", leaf.subarray(0, 1 + pendingLength), "binary") : undefined;
      for (let level = 0, c = count; c > 0; c = Math.floor(c / 2), level++) {
        if (c % 2 === 1) acc = acc === undefined ? pending[level]! : nodeHash(pending[level]!, acc);
      }
      return {
        root: `0x${Buffer.from(acc!, "latin1").toString("hex")}` as Hex,
        size,
        chunks: count + (pendingLength > 0 || count === 0 ? 1 : 0),
      };
    },
  };
}
