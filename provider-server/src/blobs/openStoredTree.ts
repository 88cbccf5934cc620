import { hash } from "node:crypto";
import { chunkCount, CHUNK_SIZE } from "@pekanu/protocol/merkle";
import type { Hex } from "viem";
import type { BlobStore } from "./BlobStore.ts";
import { TREE_LEVEL, treeLevelOffset } from "./treeLayout.ts";

const BLOCK_CHUNKS = 2 ** TREE_LEVEL;
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

const leafHash = (chunk: Uint8Array) => hash("sha256", Buffer.concat([LEAF, chunk]), "buffer");
export const nodeHash = (left: Buffer, right: Buffer) => hash("sha256", Buffer.concat([NODE, left, right]), "buffer");
/** Largest power of two strictly below `n` (n ≥ 2). */
export const splitPoint = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
const isPowerOfTwo = (n: number) => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** RFC 6962 MTH over leaf hashes in memory. */
function mthOf(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(mthOf(leaves.slice(0, k)), mthOf(leaves.slice(k)));
}

/**
 * A stored blob's Merkle tree, read lazily through the blob store's ranged reads (positioned reads
 * on disk, Range GETs on S3): `chunkBytes(i)` reads the block of 2^TREE_LEVEL chunks (256 KiB)
 * holding chunk i, `mth(a, b)` the hash of chunks [a, b) from the stored tree (32 bytes of the
 * blob's tree object per aligned subtree, treeLayout.ts) or, for a blob without a stored tree or a
 * subtree smaller than a block, from the bytes. Used by proveStoredChunk and proveStoredChunks.
 */
export async function openStoredTree({ blobs, fileRoot }: { blobs: BlobStore; fileRoot: Hex }) {
  const size = await blobs.size(fileRoot);
  if (size === undefined) throw new Error(`blob ${fileRoot} is missing`);
  const chunks = chunkCount(size);
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
      // Only a chunk's own block and the right edge's are ever needed twice: keep a few.
      if (blocks.size > 8) blocks.delete(blocks.keys().next().value!);
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

  return { size, chunks, chunkBytes, mth, reads: () => ({ ...stats, treeMissing }) };
}
