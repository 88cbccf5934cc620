import { chunkCount } from "./chunkCount.ts";
import { CHUNK_SIZE } from "./constants.ts";
import { MerkleError } from "./MerkleError.ts";
import { assertIndexInRange, auditRanges, createSubtreeStack, createTreeHasher, formatHash } from "./internal.ts";
import { rootFromAuditPath } from "./rootFromInclusion.ts";
import type { HashOptions, HashOutput, To } from "./types.ts";

export type ProveChunkParameters<to extends To = "hex"> = HashOptions<to> & {
  /** File size in bytes. */
  size: number;
  /** Index of the chunk to prove, 0-based. */
  index: number;
  /**
   * Reads chunk `i` (1024 bytes, the last one shorter). The bytes only need to stay valid until
   * the next read call (a reader may reuse one buffer).
   */
  readChunk: (index: number) => Uint8Array | Promise<Uint8Array>;
  /**
   * Optional bulk reader: the `count` consecutive chunks starting at `index`, as one contiguous
   * byte array (valid until the next read call). Used, when given, to hash the sibling subtrees
   * with far fewer reads (e.g. positioned reads of 1 MiB).
   */
  readChunks?: ((range: { index: number; count: number }) => Uint8Array | Promise<Uint8Array>) | undefined;
  /** Chunks per `readChunks` call (default 1024, i.e. 1 MiB). */
  batchChunks?: number | undefined;
};

export type ChunkProof<to extends To = "hex"> = {
  /** The chunk (a copy of what `readChunk` returned). */
  chunk: Uint8Array;
  /** Audit path from the leaf level upward (RFC 9162 §2.1.3). */
  proof: HashOutput<to>[];
  /** The root the chunk and proof imply, i.e. the file root (compare it with the stored commitment). */
  root: HashOutput<to>;
};

/**
 * Inclusion proof for chunk `index` of a file too large to hold in memory: reads the chunk and
 * recomputes only the sibling subtree roots on its audit path, reading each other chunk at most
 * once, in file order (the whole file once in the worst case) with O(log n) memory.
 *
 * @throws {MerkleError} `ChunkIndexOutOfRange`, `InvalidIndex`, `InvalidSize`, or `InvalidChunkLength`
 *   when a reader returns the wrong number of bytes (e.g. the file changed).
 */
export async function proveChunk<to extends To = "hex">(parameters: ProveChunkParameters<to>): Promise<ChunkProof<to>> {
  const { size, index, readChunk, readChunks, batchChunks = 1024, sha256, to } = parameters;
  const count = chunkCount(size);
  assertIndexInRange(index, count);
  if (!Number.isSafeInteger(batchChunks) || batchChunks < 1) throw new RangeError("batchChunks must be a positive integer");
  const hasher = createTreeHasher(sha256);
  const lastLength = size - (count - 1) * CHUNK_SIZE;
  /** Bytes in chunks [start, start + n). */
  const spanLength = (start: number, n: number) => (start + n === count ? (n - 1) * CHUNK_SIZE + lastLength : n * CHUNK_SIZE);
  const checkLength = (bytes: Uint8Array, start: number, n: number) => {
    const expected = spanLength(start, n);
    if (!(bytes instanceof Uint8Array) || bytes.length !== expected) {
      const what = n === 1 ? `chunk ${start}` : `chunks ${start}..${start + n - 1}`;
      throw new MerkleError("InvalidChunkLength", `read of ${what} returned ${bytes?.length} bytes, expected ${expected}`);
    }
  };

  const subtreeRoot = async (start: number, n: number): Promise<Uint8Array> => {
    const stack = createSubtreeStack(hasher);
    const end = start + n;
    for (let i = start; i < end; ) {
      if (readChunks !== undefined) {
        const batch = Math.min(batchChunks, end - i);
        const bytes = await readChunks({ index: i, count: batch });
        checkLength(bytes, i, batch);
        for (let offset = 0; offset < bytes.length; offset += CHUNK_SIZE) {
          stack.push(hasher.leaf(bytes, offset, Math.min(CHUNK_SIZE, bytes.length - offset)));
        }
        i += batch;
      } else {
        const bytes = await readChunk(i);
        checkLength(bytes, i, 1);
        stack.push(hasher.leaf(bytes));
        i += 1;
      }
    }
    return stack.root();
  };

  const ranges = auditRanges(index, count); // leaf level first
  const path: Uint8Array[] = new Array(ranges.length);
  let chunk: Uint8Array | undefined;
  const readTarget = async () => {
    const bytes = await readChunk(index);
    checkLength(bytes, index, 1);
    chunk = new Uint8Array(bytes);
  };
  // Read in file order: the siblings left of the chunk (largest first), the chunk, the rest.
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]![0] - ranges[b]![0]);
  for (const i of order) {
    const [start, n] = ranges[i]!;
    if (chunk === undefined && start > index) await readTarget();
    path[i] = await subtreeRoot(start, n);
  }
  if (chunk === undefined) await readTarget();

  const root = rootFromAuditPath(hasher, hasher.leaf(chunk!), index, count, path);
  return { chunk: chunk!, proof: path.map((h) => formatHash(h, to)), root: formatHash(root, to) };
}
