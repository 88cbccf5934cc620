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
  /**
   * With `recordFrom`: the roots of every complete, aligned subtree of 2^level full chunks for
   * levels recordFrom, recordFrom + 1, … (level-major, left to right, 32 bytes each): the stored
   * hashes that let a chunk be proven by reading one block of 2^recordFrom chunks (blobs/treeLayout.ts).
   */
  tree(): Buffer;
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
export function createUploadHasher({ state, recordFrom }: { state?: string | undefined; recordFrom?: number | undefined } = {}): UploadHasher {
  const leaf = Buffer.allocUnsafe(1 + CHUNK_SIZE);
  leaf[0] = 0x00;
  const node = Buffer.allocUnsafe(1 + 2 * HASH_SIZE);
  node[0] = 0x01;
  /** pending[level]: root of a complete subtree of 2^level leaves, present iff bit `level` of count is set. */
  const pending: string[] = [];
  let count = 0;
  let pendingLength = 0;
  let size = 0;
  /** levels[j - recordFrom]: the recorded subtree roots of level j (latin1 strings, in order). */
  const levels: string[][] = [];

  if (state !== undefined) {
    const saved = JSON.parse(state) as { v: number; size: number; count: number; pending: string; partial: string; recordFrom?: number; levels?: string[] };
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
    if ((saved.recordFrom ?? undefined) !== recordFrom) throw new Error("upload hasher snapshot recorded other tree levels");
    for (const [i, level] of (saved.levels ?? []).entries()) {
      const bytes = Buffer.from(level, "base64");
      const expected = Math.floor(saved.count / 2 ** (recordFrom! + i));
      if (bytes.length !== expected * HASH_SIZE) throw new Error("inconsistent upload hasher snapshot");
      levels[i] = Array.from({ length: expected }, (_, k) => bytes.toString("latin1", k * HASH_SIZE, (k + 1) * HASH_SIZE));
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

  const record = (level: number, h: string) => {
    if (recordFrom === undefined || level < recordFrom) return;
    (levels[level - recordFrom] ??= []).push(h);
  };

  const push = (leafHash: string) => {
    let h = leafHash;
    let level = 0;
    record(0, h);
    // Carries of a binary counter (count may exceed 2^31: arithmetic, not bit operators).
    for (let c = count; c % 2 === 1; c = (c - 1) / 2, level++) {
      h = nodeHash(pending[level]!, h);
      record(level + 1, h);
    }
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
        ...(recordFrom === undefined ? {} : { recordFrom, levels: levels.map((level) => Buffer.from(level.join(""), "latin1").toString("base64")) }),
      });
    },
    tree() {
      if (recordFrom === undefined) return Buffer.alloc(0);
      const parts: Buffer[] = [];
      for (let j = recordFrom; Math.floor(count / 2 ** j) > 0; j++) {
        const level = levels[j - recordFrom] ?? [];
        parts.push(Buffer.from(level.join(""), "latin1"));
      }
      return Buffer.concat(parts);
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
