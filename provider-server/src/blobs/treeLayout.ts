/**
 * The stored hashes of a blob ("tree" object next to it): the roots of every complete, aligned
 * subtree of 2^j full chunks for j ≥ TREE_LEVEL, level-major, left to right, 32 bytes each. With
 * them a chunk's inclusion proof reads one block of 2^TREE_LEVEL chunks (256 KiB) around the chunk
 * and O(log n) stored hashes, whatever the file's size (proveStoredChunk). Size: 2 × 32 bytes per
 * block, i.e. 256 bytes per MiB (0.025 %).
 */
export const TREE_LEVEL = 8;

/** Byte offset of level `level`'s first hash in the tree of a file with `fullChunks` full chunks. */
export function treeLevelOffset({ fullChunks, level }: { fullChunks: number; level: number }): number {
  let offset = 0;
  for (let j = TREE_LEVEL; j < level; j++) offset += Math.floor(fullChunks / 2 ** j) * 32;
  return offset;
}

/** Total bytes of the tree object of a file with `fullChunks` full chunks. */
export function treeSize({ fullChunks }: { fullChunks: number }): number {
  let bytes = 0;
  for (let j = TREE_LEVEL; Math.floor(fullChunks / 2 ** j) > 0; j++) bytes += Math.floor(fullChunks / 2 ** j) * 32;
  return bytes;
}
