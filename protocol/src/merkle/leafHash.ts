import { createTreeHasher, formatHash, toBytes } from "./internal.ts";
import type { HashOptions, HashOutput, To } from "./types.ts";

/**
 * RFC 6962 leaf hash SHA-256(0x00 ‖ data) of one chunk (or raw leaf input).
 *
 * @example
 * leafHash(new Uint8Array()) // "0x6e340b9c…a01d", the root of an empty file
 */
export function leafHash<to extends To = "hex">(data: Uint8Array | `0x${string}`, options: HashOptions<to> = {}): HashOutput<to> {
  const bytes = toBytes(data);
  return formatHash(createTreeHasher(options.sha256).leaf(bytes), options.to);
}
