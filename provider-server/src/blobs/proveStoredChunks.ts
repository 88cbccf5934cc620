import { multiProofRanges } from "@pekanu/protocol/merkle";
import { type Hex, bytesToHex } from "viem";
import type { BlobStore } from "./BlobStore.ts";
import { openStoredTree } from "./openStoredTree.ts";

/**
 * Several chunks of a stored blob and ONE deduplicated proof for all of them (the subtree hashes
 * protocol's multiProofRanges names), for the binary audit-batch answer. Reads like
 * proveStoredChunk: each chunk's 256 KiB block, and stored tree hashes above. `root` is what the
 * stored data imply: compare it with the file root. `indices` must be strictly increasing and
 * inside the blob (multiProofRanges throws a MerkleError otherwise).
 */
export async function proveStoredChunks({ blobs, fileRoot, indices }: { blobs: BlobStore; fileRoot: Hex; indices: readonly number[] }) {
  const tree = await openStoredTree({ blobs, fileRoot });
  const ranges = multiProofRanges({ indices, treeSize: tree.chunks });
  const chunks: Uint8Array[] = [];
  for (const index of indices) chunks.push(new Uint8Array(await tree.chunkBytes(index)));
  const proof: Buffer[] = [];
  for (const [start, count] of ranges) proof.push(await tree.mth(start, start + count));
  const root = await tree.mth(0, tree.chunks);
  return { size: tree.size, chunks, proof: proof.map((h) => new Uint8Array(h)), root: bytesToHex(root), reads: tree.reads() };
}
