// The stored tree beside a file: the roots of its aligned blocks of 2^blockBits chunks (64 KiB by
// default) and every level above them up to the file root. With it a chunk's inclusion proof reads
// the chunk's own block and one hash per level above it, whatever the file's size. One format,
// shared by `writeFileTree` (builds it) and `proveFileChunk` (reads it).
import { chunkCount } from "../merkle/chunkCount.ts";
import { HASH_SIZE } from "../merkle/constants.ts";

/** "PKTREE1\0", file size (u64 BE), block bits (u8), 7 bytes zero. */
export const FILE_TREE_MAGIC = new TextEncoder().encode("PKTREE1\0");
export const FILE_TREE_HEADER = 24;
export const DEFAULT_BLOCK_BITS = 6;

/** Hashes per level, from the block roots (level 0) up to the root (1). */
export function fileTreeLevels({ size, blockBits }: { size: number; blockBits: number }): number[] {
  const blocks = Math.ceil(chunkCount(size) / 2 ** blockBits);
  const levels = [blocks];
  while (levels.at(-1)! > 1) levels.push(Math.ceil(levels.at(-1)! / 2));
  return levels;
}

/** Byte offset of hash `index` of level `level`. */
export function fileTreeOffset(levels: readonly number[], level: number, index: number): number {
  let offset = FILE_TREE_HEADER;
  for (let i = 0; i < level; i++) offset += levels[i]! * HASH_SIZE;
  return offset + index * HASH_SIZE;
}

export function fileTreeHeader({ size, blockBits }: { size: number; blockBits: number }): Uint8Array {
  const header = new Uint8Array(FILE_TREE_HEADER);
  header.set(FILE_TREE_MAGIC, 0);
  new DataView(header.buffer).setBigUint64(8, BigInt(size));
  header[16] = blockBits;
  return header;
}

/** Size and block bits of a header, or undefined if it is not one. */
export function parseFileTreeHeader(header: Uint8Array): { size: number; blockBits: number } | undefined {
  if (header.length < FILE_TREE_HEADER) return undefined;
  for (let i = 0; i < FILE_TREE_MAGIC.length; i++) if (header[i] !== FILE_TREE_MAGIC[i]) return undefined;
  const size = Number(new DataView(header.buffer, header.byteOffset).getBigUint64(8));
  const blockBits = header[16]!;
  if (blockBits > 30) return undefined;
  return { size, blockBits };
}
