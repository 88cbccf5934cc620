import { CHUNK_SIZE } from "./constants.ts";

/**
 * The chunks of a file held in memory, as views into `bytes` (no copy): 1024 bytes each, the last
 * one shorter; an empty file is one empty chunk.
 */
export function splitChunks(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) return [bytes.subarray(0, 0)];
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length; offset += CHUNK_SIZE) {
    chunks.push(bytes.subarray(offset, offset + CHUNK_SIZE));
  }
  return chunks;
}
