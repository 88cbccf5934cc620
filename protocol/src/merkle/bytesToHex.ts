import type { Hex } from "./types.ts";

const BYTE_HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Lower-case `0x`-prefixed hex of `bytes`.
 *
 * @example
 * bytesToHex(new Uint8Array([1, 171])) // "0x01ab"
 */
export function bytesToHex(bytes: Uint8Array): Hex {
  let out = "0x";
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]!];
  return out as Hex;
}
