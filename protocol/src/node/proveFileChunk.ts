import { open } from "node:fs/promises";
import { chunkCount } from "../merkle/chunkCount.ts";
import { CHUNK_SIZE } from "../merkle/constants.ts";
import { proveChunk, type ChunkProof } from "../merkle/proveChunk.ts";
import type { Sha256, To } from "../merkle/types.ts";
import { nodeSha256 } from "./nodeSha256.ts";

export type ProveFileChunkParameters<to extends To = "hex"> = {
  /** Path of the committed file. */
  path: string;
  /** Index of the chunk to prove, 0-based. */
  index: number;
  /** Bytes per positioned read while hashing sibling subtrees (default 1 MiB; rounded to whole chunks). */
  readSize?: number | undefined;
  /** SHA-256 implementation (default `nodeSha256`). */
  sha256?: Sha256 | undefined;
  /** Output form of the proof and root (default `"hex"`). */
  to?: to | undefined;
};

export type FileChunkProof<to extends To = "hex"> = ChunkProof<to> & {
  /** File size in bytes. */
  size: number;
  /** Number of chunks, i.e. the tree size to verify against. */
  chunks: number;
};

/**
 * Chunk `index` of a file on disk and its inclusion proof, with positioned reads into one reused
 * buffer: memory stays bounded (the buffer plus O(log n) hashes); in the worst case the whole file
 * is read once. `root` is the file root the proof implies.
 *
 * @throws {MerkleError} `ChunkIndexOutOfRange` / `InvalidIndex`, or `InvalidChunkLength` if the file shrinks meanwhile.
 */
export async function proveFileChunk<to extends To = "hex">({
  path,
  index,
  readSize = 1 << 20,
  sha256 = nodeSha256,
  to,
}: ProveFileChunkParameters<to>): Promise<FileChunkProof<to>> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const batchChunks = Math.max(1, Math.floor(readSize / CHUNK_SIZE));
    const buffer = Buffer.allocUnsafe(batchChunks * CHUNK_SIZE);
    /** Reads chunks [first, first + count) into `buffer`; a short result means the file shrank. */
    const read = async (first: number, count: number): Promise<Uint8Array> => {
      const position = first * CHUNK_SIZE;
      const want = Math.max(0, Math.min(count * CHUNK_SIZE, size - position));
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, position + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buffer.subarray(0, got);
    };
    const proof = await proveChunk({
      size,
      index,
      batchChunks,
      sha256,
      to,
      readChunk: (i) => read(i, 1),
      readChunks: ({ index: first, count }) => read(first, count),
    });
    return { ...proof, size, chunks: chunkCount(size) };
  } finally {
    await handle.close();
  }
}
