import { open, rename, rm } from "node:fs/promises";
import { chunkCount } from "../merkle/chunkCount.ts";
import { CHUNK_SIZE, HASH_SIZE } from "../merkle/constants.ts";
import { createSubtreeStack, createTreeHasher } from "../merkle/internal.ts";
import type { Sha256 } from "../merkle/types.ts";
import { DEFAULT_BLOCK_BITS, fileTreeHeader, fileTreeLevels } from "./fileTree.ts";
import { nodeSha256 } from "./nodeSha256.ts";

export type WriteFileTreeParameters = {
  /** The committed file. */
  path: string;
  /** Where the tree goes (written to a temp name beside it, then renamed into place). */
  treePath: string;
  /** log2 of the chunks per block (default 6: 64 chunks, 64 KiB); the tree is ~1/1000 of the file. */
  blockBits?: number | undefined;
  sha256?: Sha256 | undefined;
};

/**
 * Reads the file once and stores its tree above blocks of 2^blockBits chunks (see `fileTree.ts`),
 * so `proveFileChunk({ treePath })` later proves any chunk from one block and O(log n) hashes.
 * Memory: the tree itself (32 bytes per block, twice) and a 1 MiB read buffer. Returns the root.
 */
export async function writeFileTree({ path, treePath, blockBits = DEFAULT_BLOCK_BITS, sha256 = nodeSha256 }: WriteFileTreeParameters): Promise<{ root: Uint8Array; bytes: number }> {
  const hasher = createTreeHasher(sha256);
  const handle = await open(path, "r");
  const blockChunks = 2 ** blockBits;
  let levels: number[];
  let size: number;
  const blockRoots: Uint8Array[] = [];
  try {
    size = (await handle.stat()).size;
    levels = fileTreeLevels({ size, blockBits });
    const count = chunkCount(size);
    const batchBlocks = Math.max(1, Math.floor((1 << 20) / (blockChunks * CHUNK_SIZE)));
    const buffer = Buffer.allocUnsafe(batchBlocks * blockChunks * CHUNK_SIZE);
    for (let block = 0; block < levels[0]!; block += batchBlocks) {
      const position = block * blockChunks * CHUNK_SIZE;
      const want = Math.min(buffer.length, size - position);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, position + got);
        if (bytesRead === 0) throw new Error(`${path} shrank while its tree was built`);
        got += bytesRead;
      }
      for (let b = block; b < Math.min(levels[0]!, block + batchBlocks); b++) {
        const stack = createSubtreeStack(hasher);
        const first = b * blockChunks;
        const last = Math.min(count, first + blockChunks);
        for (let c = first; c < last; c++) {
          const offset = (c - block * blockChunks) * CHUNK_SIZE;
          stack.push(hasher.leaf(buffer, offset, Math.min(CHUNK_SIZE, size - c * CHUNK_SIZE)));
        }
        blockRoots.push(stack.root());
      }
    }
  } finally {
    await handle.close();
  }
  const all: Uint8Array[] = [...blockRoots];
  let level = blockRoots;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(hasher.node(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level.at(-1)!);
    all.push(...next);
    level = next;
  }
  const out = Buffer.allocUnsafe(all.length * HASH_SIZE);
  all.forEach((h, i) => out.set(h, i * HASH_SIZE));
  // A name of its own, so two builds of one tree at once never write into the same file.
  const tmp = `${treePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const file = await open(tmp, "w", 0o600);
  try {
    await file.writev([fileTreeHeader({ size, blockBits }), out]);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  await rename(tmp, treePath);
  return { root: level[0]!, bytes: out.length + 24 };
}
