import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { EncryptionError } from "./EncryptionError.ts";
import { equalBytes, filePrk, headerMacKeyOf, keyCheckOf, MAC_OFFSET } from "./internal.ts";
import { parseEncryptionHeader } from "./parseEncryptionHeader.ts";
import type { EncryptionHeader } from "./types.ts";

export type VerifyEncryptionHeaderParameters = {
  /** The first 100 bytes of the ciphertext. */
  header: Uint8Array;
  /** The 32-byte file key. */
  key: Uint8Array;
};

/**
 * Parses the header and authenticates it with the file key: first the key check (a wrong key is told
 * apart from a damaged file), then the header MAC.
 *
 * @throws {EncryptionError} those of `parseEncryptionHeader`, `InvalidKey`, `WrongKey`, `HeaderTampered`.
 * @example
 * const { plaintextSize } = verifyEncryptionHeader({ header: firstBytes, key })
 */
export function verifyEncryptionHeader({ header, key }: VerifyEncryptionHeaderParameters): EncryptionHeader {
  const fields = parseEncryptionHeader(header);
  const prk = filePrk(key, fields.salt);
  if (!equalBytes(keyCheckOf(prk), fields.keyCheck)) {
    throw new EncryptionError("WrongKey", "wrong key for this file (the key check in the header does not match)");
  }
  if (!equalBytes(hmac(sha256, headerMacKeyOf(prk), header.subarray(0, MAC_OFFSET)), fields.mac)) {
    throw new EncryptionError("HeaderTampered", "the file's header was altered (its authentication code does not match)");
  }
  return fields;
}
