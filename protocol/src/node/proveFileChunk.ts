import { type FileHandle, open } from "node:fs/promises";
import { chunkCount } from "../merkle/chunkCount.ts";
import { CHUNK_SIZE, HASH_SIZE } from "../merkle/constants.ts";
import { proveChunk, type ChunkProof } from "../merkle/proveChunk.ts";
import type { Sha256, To } from "../merkle/types.ts";
import { createTreeHasher, formatHash } from "../merkle/internal.ts";
import { rootFromAuditPath } from "../merkle/rootFromInclusion.ts";
import { FILE_TREE_HEADER, fileTreeLevels, fileTreeOffset, parseFileTreeHeader } from "./fileTree.ts";
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
  /**
   * The file's stored tree (`writeFileTree`): when it exists and matches the file's size, only the
   * chunk's block (64 KiB by default) and one hash per level above it are read. Without it (or
   * when it does not match), the sibling subtrees are hashed from the file.
   */
  treePath?: string | undefined;
};

export type FileChunkProof<to extends To = "hex"> = ChunkProof<to> & {
  /** File size in bytes. */
  size: number;
  /** Number of chunks, i.e. the tree size to verify against. */
  chunks: number;
  /** Bytes read from the file and the tree to make this proof. */
  bytesRead: number;
  /** Whether the stored tree was used. */
  fromTree: boolean;
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
  treePath,
}: ProveFileChunkParameters<to>): Promise<FileChunkProof<to>> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (treePath !== undefined) {
      const fromTree = await proveFromTree({ handle, size, index, treePath, sha256, to });
      if (fromTree) return fromTree;
    }
    let bytesRead = 0;
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
      bytesRead += got;
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
    return { ...proof, size, chunks: chunkCount(size), bytesRead, fromTree: false };
  } finally {
    await handle.close();
  }
}

/** Positioned read of exactly `length` bytes (fewer only at the end of the file). */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}

/** The proof from the chunk's block and the stored tree, or undefined if there is no usable tree. */
async function proveFromTree<to extends To>({
  handle,
  size,
  index,
  treePath,
  sha256,
  to,
}: {
  handle: FileHandle;
  size: number;
  index: number;
  treePath: string;
  sha256: Sha256;
  to: to | undefined;
}): Promise<FileChunkProof<to> | undefined> {
  let tree: FileHandle;
  try {
    tree = await open(treePath, "r");
  } catch {
    return undefined;
  }
  try {
    const header = parseFileTreeHeader(await readAt(tree, 0, FILE_TREE_HEADER));
    if (!header || header.size !== size) return undefined;
    const levels = fileTreeLevels({ size, blockBits: header.blockBits });
    const { size: treeSize } = await tree.stat();
    if (treeSize !== fileTreeOffset(levels, levels.length, 0)) return undefined;
    const count = chunkCount(size);
    const blockChunks = 2 ** header.blockBits;
    const block = Math.floor(index / blockChunks);
    if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
      // Let the full path raise the usual MerkleError.
      return undefined;
    }
    const first = block * blockChunks;
    const blockBytes = await readAt(handle, first * CHUNK_SIZE, Math.min(blockChunks * CHUNK_SIZE, size - first * CHUNK_SIZE));
    let bytesRead = FILE_TREE_HEADER + blockBytes.length;
    // Inside the block: the block is a tree of its own whose root is a node of the file's tree.
    const inner = await proveChunk({
      size: blockBytes.length,
      index: index - first,
      sha256,
      to: "bytes",
      readChunk: (i) => blockBytes.subarray(i * CHUNK_SIZE, Math.min((i + 1) * CHUNK_SIZE, blockBytes.length)),
    });
    const path: Uint8Array[] = [...inner.proof];
    // Above: one sibling per level of the block tree (none where the node is carried up alone).
    for (let level = 0, k = block; level < levels.length - 1; level++, k = Math.floor(k / 2)) {
      const sibling = k ^ 1;
      if (sibling >= levels[level]!) continue;
      const hash = await readAt(tree, fileTreeOffset(levels, level, sibling), HASH_SIZE);
      if (hash.length !== HASH_SIZE) return undefined;
      bytesRead += HASH_SIZE;
      path.push(new Uint8Array(hash));
    }
    const hasher = createTreeHasher(sha256);
    const root = rootFromAuditPath(hasher, hasher.leaf(inner.chunk), index, count, path);
    return {
      chunk: inner.chunk,
      proof: path.map((h) => formatHash(h, to)),
      root: formatHash(root, to),
      size,
      chunks: count,
      bytesRead,
      fromTree: true,
    };
  } finally {
    await tree.close();
  }
}
