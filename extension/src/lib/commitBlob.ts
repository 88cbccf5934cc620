// The file commitment in the browser. The file is cut into aligned 16 MiB segments; each is a
// complete subtree of the file's RFC 6962 tree, so segments are hashed independently — by helper
// workers, one per core (the coordinating thread mostly waits), each reading its own segments (Chromium reads a File fastest in large
// slices, several at once), with the 4-lane WebAssembly SHA-256 of @pekanu/protocol — and their
// roots folded by protocol's foldSubtreeRoots into the same root a single pass gives.
import {
  chunkCount,
  foldSubtreeRoots,
  inclusionProof,
  leafHash,
  MerkleError,
  verifyInclusion,
  CHUNK_SIZE,
  type FileCommitment,
} from "@pekanu/protocol/merkle";
import { loadSubtreeHasher, type SubtreeHasher, type SubtreeHasherEngine } from "@pekanu/protocol/merkle/wasm";

/** 16 MiB = 16,384 chunks: a power of two (so a complete subtree); reads this large cost Chromium far less per byte than 4 MiB ones. */
export const SEGMENT_SIZE = 16 << 20;

export type Progress = { bytes: number; total: number };

/**
 * Hashes segment `index` somewhere else (a worker). It rejects with {@link HelperLostError} when the
 * helper is gone (its segment is then redone elsewhere), with any other error when the segment
 * itself cannot be hashed (e.g. the file changed), which fails the whole commitment.
 */
export type SegmentHelper = { segmentRoot(index: number): Promise<Uint8Array> };

export class HelperLostError extends Error {
  override readonly name = "HelperLostError";
}

export type Commitment = FileCommitment & {
  engine: SubtreeHasherEngine;
  /** Threads that hashed: the helpers that stayed up to the end, or 1 (this thread) without helpers. */
  threads: number;
};

export class FileChangedError extends Error {
  override readonly name = "FileChangedError";
  constructor(options?: { cause?: unknown }) {
    super("The file changed or can no longer be read since it was selected. Select it again.", options);
  }
}

let defaultHasher: Promise<SubtreeHasher> | undefined;
/** The WebAssembly hasher when this platform runs it, else the TypeScript one (loaded once). */
export function getSubtreeHasher(): Promise<SubtreeHasher> {
  defaultHasher ??= loadSubtreeHasher();
  return defaultHasher;
}

export function assertSegmentSize(segmentSize: number): void {
  const chunks = segmentSize / CHUNK_SIZE;
  if (!Number.isSafeInteger(chunks) || chunks < 1 || (chunks & (chunks - 1)) !== 0) {
    throw new RangeError(`segmentSize must be a power-of-two number of ${CHUNK_SIZE}-byte chunks, got ${segmentSize}`);
  }
}

/** Bytes in segment `index` of a file of `size` bytes. */
export const segmentLength = (size: number, index: number, segmentSize: number) =>
  Math.max(0, Math.min(size, (index + 1) * segmentSize) - index * segmentSize);

/**
 * Segment `index` of `blob`. A file that changed on disk after it was chosen reads short, long, or
 * fails with Chromium's NotReadableError: all three become a {@link FileChangedError}.
 */
export async function readBlobSegment(blob: Blob, index: number, segmentSize: number): Promise<Uint8Array<ArrayBuffer>> {
  let buffer: ArrayBuffer;
  try {
    buffer = await blob.slice(index * segmentSize, (index + 1) * segmentSize).arrayBuffer();
  } catch (error) {
    if (error instanceof DOMException && error.name === "NotReadableError") throw new FileChangedError({ cause: error });
    throw error;
  }
  if (buffer.byteLength !== segmentLength(blob.size, index, segmentSize)) throw new FileChangedError();
  return new Uint8Array(buffer);
}

export type CommitSegmentsParameters = {
  /** File size in bytes. */
  size: number;
  /** Reads segment `index` (used when there are no helpers, and for a lost helper's segments). */
  readSegment: (index: number) => Promise<Uint8Array>;
  segmentSize?: number | undefined;
  hasher?: SubtreeHasher | undefined;
  helpers?: readonly SegmentHelper[] | undefined;
  /** Segments handed to a helper before it answers (default 2: it reads the next while hashing). */
  inFlight?: number | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  signal?: AbortSignal | undefined;
};

/**
 * The roots of a file's segments, in order. Without helpers this thread reads and hashes every
 * segment (reading the next while hashing the current one). With helpers this thread only hands
 * segment numbers out, at most `inFlight` per helper; a helper that is lost is dropped and its
 * segment read and hashed here, so a lost worker slows the work down but never changes or stops it.
 * Any other failure of a segment (e.g. the file changed) fails the whole call.
 */
export async function hashSegments({
  size,
  readSegment,
  segmentSize = SEGMENT_SIZE,
  hasher,
  helpers = [],
  inFlight = 2,
  onProgress,
  signal,
}: CommitSegmentsParameters): Promise<{ roots: Uint8Array[]; engine: SubtreeHasherEngine; threads: number }> {
  assertSegmentSize(segmentSize);
  if (!Number.isSafeInteger(inFlight) || inFlight < 1) throw new RangeError(`inFlight must be a positive integer, got ${inFlight}`);
  const local = hasher ?? (await getSubtreeHasher());
  const count = Math.max(1, Math.ceil(size / segmentSize));
  const roots: Uint8Array[] = new Array(count);
  let hashed = 0;
  const finished = (index: number, root: Uint8Array) => {
    roots[index] = root;
    hashed += segmentLength(size, index, segmentSize);
    onProgress?.({ bytes: hashed, total: size });
  };
  const hashHere = async (indices: number[]) => {
    let next = indices.length > 0 ? readSegment(indices[0]!) : undefined;
    try {
      for (let k = 0; k < indices.length; k++) {
        signal?.throwIfAborted();
        const bytes = await next!;
        next = k + 1 < indices.length ? readSegment(indices[k + 1]!) : undefined;
        finished(indices[k]!, local.subtreeRoot(bytes));
      }
    } finally {
      // A read started ahead and never awaited (abort, failure) must not reject unhandled.
      next?.catch(() => undefined);
    }
  };

  const live = new Map((count > 1 ? helpers : []).map((helper) => [helper, 0]));
  if (live.size === 0) {
    await hashHere(Array.from({ length: count }, (_, i) => i));
  } else {
    const running = new Set<Promise<void>>();
    const redo: number[] = [];
    let failure: { error: unknown } | undefined;
    const idleHelper = () => [...live].find(([, busy]) => busy < inFlight)?.[0];
    for (let index = 0; index < count && !failure; index++) {
      signal?.throwIfAborted();
      let helper = idleHelper();
      while (!helper && live.size > 0 && !failure) {
        await Promise.race(running);
        helper = idleHelper();
      }
      if (failure) break;
      if (!helper) {
        redo.push(index);
        continue;
      }
      const chosen = helper;
      live.set(chosen, live.get(chosen)! + 1);
      const job: Promise<void> = chosen.segmentRoot(index).then(
        (root) => {
          if (live.has(chosen)) live.set(chosen, live.get(chosen)! - 1);
          finished(index, root);
        },
        (error: unknown) => {
          if (error instanceof HelperLostError) {
            live.delete(chosen);
            redo.push(index);
          } else {
            failure ??= { error };
          }
        },
      );
      running.add(job);
      void job.finally(() => running.delete(job));
    }
    await Promise.all(running);
    if (failure) throw failure.error;
    await hashHere(redo.sort((a, b) => a - b));
  }
  return { roots, engine: local.engine, threads: Math.max(1, live.size) };
}

/** The commitment of a file given segment by segment: {@link hashSegments}, folded. */
export async function commitSegments(parameters: CommitSegmentsParameters): Promise<Commitment> {
  const { roots, engine, threads } = await hashSegments(parameters);
  return { root: foldSubtreeRoots({ roots }), size: parameters.size, chunks: chunkCount(parameters.size), engine, threads };
}

export type ChunkProofItem = { index: number; chunk: Uint8Array; proof: `0x${string}`[] };

/**
 * Inclusion proofs of chunks `indices` from the segment roots: a segment is a complete subtree, so
 * a chunk's audit path is its path inside its segment (that one segment re-read and hashed) followed
 * by its segment's path among the segment roots. Every proof is checked against the root before it
 * is returned.
 *
 * @throws {MerkleError} `ChunkIndexOutOfRange` for an index past the last chunk.
 */
export async function proveFromSegments({
  size,
  roots,
  indices,
  readSegment,
  segmentSize = SEGMENT_SIZE,
  onProof,
}: {
  size: number;
  roots: readonly Uint8Array[];
  indices: readonly number[];
  readSegment: (index: number) => Promise<Uint8Array>;
  segmentSize?: number;
  onProof?: (done: number) => void;
}): Promise<{ root: `0x${string}`; items: ChunkProofItem[] }> {
  assertSegmentSize(segmentSize);
  const perSegment = segmentSize / CHUNK_SIZE;
  const count = chunkCount(size);
  const root = foldSubtreeRoots({ roots });
  const items: ChunkProofItem[] = [];
  let cached: { segment: number; bytes: Uint8Array; leafHashes: Uint8Array[] } | undefined;
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
      throw new MerkleError("ChunkIndexOutOfRange", `index ${index} out of range for ${count} leaves`);
    }
    const segment = Math.floor(index / perSegment);
    if (cached?.segment !== segment) {
      const bytes = await readSegment(segment);
      const leafHashes: Uint8Array[] = [];
      for (let o = 0; o < bytes.length || leafHashes.length === 0; o += CHUNK_SIZE) leafHashes.push(leafHash(bytes.subarray(o, o + CHUNK_SIZE), { to: "bytes" }));
      cached = { segment, bytes, leafHashes };
    }
    const inner = index - segment * perSegment;
    const chunk = cached.bytes.slice(inner * CHUNK_SIZE, (inner + 1) * CHUNK_SIZE);
    const proof = [...inclusionProof({ leafHashes: cached.leafHashes, index: inner }), ...inclusionProof({ leafHashes: roots, index: segment })];
    if (!verifyInclusion({ root, index, treeSize: count, proof, chunk })) throw new FileChangedError();
    items.push({ index, chunk, proof });
    onProof?.(items.length);
  }
  return { root, items };
}

/** The commitment of a Blob/File, read in segments (see {@link commitSegments}). */
export function commitBlob(blob: Blob, parameters: Omit<CommitSegmentsParameters, "size" | "readSegment"> = {}): Promise<Commitment> {
  const segmentSize = parameters.segmentSize ?? SEGMENT_SIZE;
  return commitSegments({ ...parameters, size: blob.size, readSegment: (index) => readBlobSegment(blob, index, segmentSize) });
}
