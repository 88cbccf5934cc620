import { type Hex, bytesToHex } from "viem";
import type { BlobStore } from "./BlobStore.ts";
import { openStoredTree, splitPoint } from "./openStoredTree.ts";

/**
 * Chunk `index` of a stored blob and its RFC 6962 inclusion proof, reading only what it needs
 * through the blob store's ranged reads (openStoredTree): the block of 2^TREE_LEVEL chunks
 * (256 KiB) holding the chunk, the last block when the tree's right edge needs it, and one stored
 * hash (32 bytes of the blob's tree object, treeLayout.ts) per level above. A blob without a
 * stored tree is proven from its bytes, block by block (up to the whole blob once).
 * `root` and `size` are what the stored data imply: compare them with the order.
 */
export async function proveStoredChunk({ blobs, fileRoot, index }: { blobs: BlobStore; fileRoot: Hex; index: number }) {
  const tree = await openStoredTree({ blobs, fileRoot });
  const { chunks, mth } = tree;
  if (!Number.isSafeInteger(index) || index < 0 || index >= chunks) throw new RangeError(`chunk index ${index} is outside 0..${chunks - 1}`);

  /** Audit path of chunk m within [a, b), leaf level first (RFC 6962 PATH). */
  const path = async (m: number, a: number, b: number): Promise<Buffer[]> => {
    if (b - a === 1) return [];
    const k = splitPoint(b - a);
    if (m < a + k) return [...(await path(m, a, a + k)), await mth(a + k, b)];
    return [...(await path(m, a + k, b)), await mth(a, a + k)];
  };

  const chunk = Buffer.from(await tree.chunkBytes(index));
  const proof = await path(index, 0, chunks);
  const root = await mth(0, chunks);
  return {
    chunk: new Uint8Array(chunk),
    proof: proof.map((h) => bytesToHex(h)),
    root: bytesToHex(root),
    size: tree.size,
    chunks,
    /** What was read: blocks of 2^TREE_LEVEL chunks and 32-byte tree hashes. */
    reads: tree.reads(),
  };
}
