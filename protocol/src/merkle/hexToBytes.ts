import { MerkleError } from "./MerkleError.ts";

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/**
 * Bytes of a `0x`-prefixed, even-length hex string (either case).
 *
 * @throws {MerkleError} `InvalidHex` when the prefix is missing, the length is odd or a character is not hex.
 * @example
 * hexToBytes("0x01ab") // Uint8Array [1, 171]
 */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== "string" || !(hex.startsWith("0x") || hex.startsWith("0X")) || hex.length % 2 !== 0) {
    throw new MerkleError("InvalidHex", `not 0x-prefixed even-length hex: ${String(hex).slice(0, 20)}`);
  }
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(hex.charCodeAt(2 + 2 * i));
    const lo = nibble(hex.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) throw new MerkleError("InvalidHex", `not hex at position ${2 + 2 * i}: ${hex.slice(0, 20)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}
