import type { Readable } from "node:stream";
import type { Hex } from "viem";

/** Bytes per segment of a resumable upload: one S3 multipart part, one persisted step. */
export const SEGMENT_SIZE = 8 << 20;

/** One upload being written (the single-request PUT path): pieces in order, then commit or abort. */
export type BlobWriter = {
  /** Appends pieces; resolves once they are handed on (the caller must not reuse them before). */
  write(pieces: Uint8Array[]): Promise<void>;
  /** Makes the verified bytes the blob `fileRoot`; false when it already existed (same root, same bytes). */
  commit({ fileRoot, size }: { fileRoot: Hex; size: number }): Promise<boolean>;
  /** Drops everything written. Never throws. */
  abort(): Promise<void>;
};

/**
 * A partial object of a resumable upload, in whole segments. `state` is an opaque string the
 * caller keeps in the database; any instance can continue with it.
 */
export type PartialBlobs = {
  begin({ orderId, fileRoot }: { orderId: Hex; fileRoot: Hex }): Promise<string>;
  /** Writes segment `index` (bytes [index·SEGMENT_SIZE, …)); returns the new state. Rewriting a segment replaces it. */
  writeSegment({ state, index, pieces }: { state: string; index: number; pieces: Uint8Array[] }): Promise<string>;
  /** Makes segments 0..n the blob `fileRoot` of `size` bytes; false when it already existed. */
  complete({ state, fileRoot, size }: { state: string; fileRoot: Hex; size: number }): Promise<boolean>;
  /** Deletes the partial object. Never throws. */
  abort({ state }: { state: string }): Promise<void>;
};

/**
 * Content-addressed blob storage behind one seam: local disk (createBlobStore) or an
 * S3-compatible bucket (createS3BlobStore). A blob appears under its final name only complete and
 * verified. Reads are ranged, so a chunk proof or an audit reads only the bytes it needs.
 */
export type BlobStore = {
  readonly kind: "disk" | "s3";
  /** Where a blob lives (a file path, or s3://bucket/key): for logs, operators and tests. */
  blobPath(fileRoot: Hex): string;
  /** Prepares the store; returns how many leftovers of interrupted single-request uploads were removed. */
  init(): Promise<number>;
  has(fileRoot: Hex): Promise<boolean>;
  size(fileRoot: Hex): Promise<number | undefined>;
  /** A stream of the blob, or of bytes [start, end] (inclusive) of it. */
  read({ fileRoot, start, end }: { fileRoot: Hex; start?: number; end?: number }): Promise<Readable>;
  /** `length` bytes at `start` (fewer at the end of the blob). */
  readRange({ fileRoot, start, length }: { fileRoot: Hex; start: number; length: number }): Promise<Buffer>;
  /** Stores a blob's tree hashes (treeLayout.ts), before the blob is committed. */
  putTree({ fileRoot, tree }: { fileRoot: Hex; tree: Uint8Array }): Promise<void>;
  /** `length` bytes of the tree at `start`, or undefined when the blob has no stored tree. */
  readTree({ fileRoot, start, length }: { fileRoot: Hex; start: number; length: number }): Promise<Buffer | undefined>;
  /** A writer for an upload expected to have root `fileRoot` (committed only if it does). */
  createWriter({ fileRoot }: { fileRoot: Hex }): Promise<BlobWriter>;
  partial: PartialBlobs;
  close(): Promise<void>;
};

/** Rejects anything but a lowercase bytes32: only such a root ever becomes a file name or key. */
export function assertFileRoot(fileRoot: string): asserts fileRoot is Hex {
  if (!/^0x[0-9a-f]{64}$/.test(fileRoot)) throw new Error(`not a file root: ${JSON.stringify(fileRoot)}`);
}
