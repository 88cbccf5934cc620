import { FILE_KEY_SIZE } from "./constants.ts";

/**
 * A fresh random 256-bit file key (private mode), from the platform's CSPRNG.
 *
 * @example
 * const key = generateFileKey() // Uint8Array(32)
 */
export function generateFileKey(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(FILE_KEY_SIZE));
}
