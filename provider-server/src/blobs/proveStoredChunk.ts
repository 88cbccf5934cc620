import { chunkCount, CHUNK_SIZE, proveChunk } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";
import type { Hex } from "viem";
import type { BlobStore } from "./BlobStore.ts";

/** Chunks per ranged read while hashing sibling subtrees (1 MiB). */
const BATCH_CHUNKS = 1024;

/**
 * Chunk `index` of a stored blob and its inclusion proof, read through the blob store with ranged
 * reads (positioned reads on disk, Range GETs on S3): the chunk itself, then the sibling subtrees
 * in 1 MiB ranges. `root` and `size` are what the stored bytes imply: compare them with the order.
 */
export async function proveStoredChunk({ blobs, fileRoot, index }: { blobs: BlobStore; fileRoot: Hex; index: number }) {
  const size = await blobs.size(fileRoot);
  if (size === undefined) throw new Error(`blob ${fileRoot} is missing`);
  const read = (first: number, count: number) => blobs.readRange({ fileRoot, start: first * CHUNK_SIZE, length: count * CHUNK_SIZE });
  const proof = await proveChunk({
    size,
    index,
    batchChunks: BATCH_CHUNKS,
    sha256: nodeSha256,
    readChunk: (i) => read(i, 1),
    readChunks: ({ index: first, count }) => read(first, count),
  });
  return { ...proof, root: proof.root as Hex, proof: proof.proof as Hex[], size, chunks: chunkCount(size) };
}
