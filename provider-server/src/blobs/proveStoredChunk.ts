import { hash } from "node:crypto";
import { chunkCount, CHUNK_SIZE } from "@pekanu/protocol/merkle";
import { type Hex, bytesToHex } from "viem";
import type { BlobStore } from "./BlobStore.ts";
import { TREE_LEVEL, treeLevelOffset } from "./treeLayout.ts";

const BLOCK_CHUNKS = 2 ** TREE_LEVEL;
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

const leafHash = (chunk: Uint8Array) => hash("sha256", Buffer.concat([LEAF, chunk]), "buffer");
const nodeHash = (left: Buffer, right: Buffer) => hash("sha256", Buffer.concat([NODE, left, right]), "buffer");
/** Largest power of two strictly below `n` (n ≥ 2). */
const splitPoint = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** RFC 6962 MTH over leaf hashes in memory. */
function mthOf(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(mthOf(leaves.slice(0, k)), mthOf(leaves.slice(k)));
}

/**
 * Chunk `index` of a stored blob and its RFC 6962 inclusion proof, reading only what it needs
 * through the blob store's ranged reads (positioned reads on disk, Range GETs on S3): the block of
 * 2^TREE_LEVEL chunks (256 KiB) holding the chunk, the last block when the tree's right edge needs
 * it, and one stored hash (32 bytes of the blob's tree object, treeLayout.ts) per level above. A
 * blob without a stored tree is proven from its bytes, block by block (up to the whole blob once).
 * `root` and `size` are what the stored data imply: compare them with the order.
 */
export async function proveStoredChunk({ blobs, fileRoot, index }: { blobs: BlobStore; fileRoot: Hex; index: number }) {
  const size = await blobs.size(fileRoot);
  if (size === undefined) throw new Error(`blob ${fileRoot} is missing`);
  const chunks = chunkCount(size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= chunks) throw new RangeError(`chunk index ${index} is outside 0..${chunks - 1}`);
  const fullChunks = Math.floor(size / CHUNK_SIZE);
  let treeMissing = false;
  const blocks = new Map<number, Buffer>();
  const stats = { blockReads: 0, bytesRead: 0, treeReads: 0 };

  const readBlock = async (block: number): Promise<Buffer> => {
    let bytes = blocks.get(block);
    if (!bytes) {
      bytes = await blobs.readRange({ fileRoot, start: block * BLOCK_CHUNKS * CHUNK_SIZE, length: BLOCK_CHUNKS * CHUNK_SIZE });
      stats.blockReads++;
      stats.bytesRead += bytes.length;
      blocks.set(block, bytes);
      // Only the chunk's own block and the right edge's are ever needed twice: keep at most a few.
      if (blocks.size > 4) blocks.delete(blocks.keys().next().value!);
    }
    return bytes;
  };

  const chunkBytes = async (i: number): Promise<Buffer> => {
    const block = await readBlock(Math.floor(i / BLOCK_CHUNKS));
    const at = (i % BLOCK_CHUNKS) * CHUNK_SIZE;
    return block.subarray(at, Math.min(block.length, at + CHUNK_SIZE));
  };

  /** MTH of chunks [a, b). */
  const mth = async (a: number, b: number): Promise<Buffer> => {
    const width = b - a;
    if (isPowerOfTwo(width) && a % width === 0 && width >= BLOCK_CHUNKS && b <= fullChunks && !treeMissing) {
      const level = Math.round(Math.log2(width));
      const stored = await blobs.readTree({ fileRoot, start: treeLevelOffset({ fullChunks, level }) + (a / width) * 32, length: 32 });
      stats.treeReads++;
      if (stored?.length === 32) return stored;
      treeMissing = true;
    }
    if (width <= BLOCK_CHUNKS && Math.floor(a / BLOCK_CHUNKS) === Math.floor((b - 1) / BLOCK_CHUNKS)) {
      const leaves: Buffer[] = [];
      for (let i = a; i < b; i++) leaves.push(leafHash(await chunkBytes(i)));
      return mthOf(leaves);
    }
    const k = splitPoint(width);
    const left = await mth(a, a + k);
    return nodeHash(left, await mth(a + k, b));
  };

  /** Audit path of chunk m within [a, b), leaf level first (RFC 6962 PATH). */
  const path = async (m: number, a: number, b: number): Promise<Buffer[]> => {
    if (b - a === 1) return [];
    const k = splitPoint(b - a);
    if (m < a + k) return [...(await path(m, a, a + k)), await mth(a + k, b)];
    return [...(await path(m, a + k, b)), await mth(a, a + k)];
  };

  const chunk = Buffer.from(await chunkBytes(index));
  const proof = await path(index, 0, chunks);
  const root = await mth(0, chunks);
  return {
    chunk: new Uint8Array(chunk),
    proof: proof.map((h) => bytesToHex(h)),
    root: bytesToHex(root),
    size,
    chunks,
    /** What was read: blocks of 2^TREE_LEVEL chunks and 32-byte tree hashes. */
    reads: { ...stats, treeMissing },
  };
}
