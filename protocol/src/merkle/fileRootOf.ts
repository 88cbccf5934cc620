import { createMerkleBuilder } from "./createMerkleBuilder.ts";
import type { HashOptions, HashOutput, To } from "./types.ts";

/**
 * The file root (commitment) of a file held in memory: RFC 6962 MTH over its 1024-byte chunks.
 *
 * @example
 * fileRootOf(new Uint8Array()) // "0x6e340b9c…a01d" = SHA-256(0x00), the empty file is one empty chunk
 */
export function fileRootOf<to extends To = "hex">(bytes: Uint8Array, options: HashOptions<to> = {}): HashOutput<to> {
  return createMerkleBuilder({ sha256: options.sha256 }).update(bytes).digest({ to: options.to }).root;
}
