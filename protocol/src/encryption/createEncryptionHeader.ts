import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  DEFAULT_SEGMENT_SIZE,
  ENCRYPTION_HEADER_SIZE,
  ENCRYPTION_MAGIC,
  ENCRYPTION_MODE_BYTE,
  ENCRYPTION_VERSION,
} from "./constants.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { checkKey, checkSegmentSize, checkSize, filePrk, headerMacKeyOf, keyCheckOf, MAC_OFFSET, writeUint64 } from "./internal.ts";
import type { EncryptionMode } from "./types.ts";

export type CreateEncryptionHeaderParameters = {
  /** The 32-byte file key. */
  key: Uint8Array;
  mode: EncryptionMode;
  plaintextSize: number;
  /** Default {@link DEFAULT_SEGMENT_SIZE}. */
  segmentSize?: number | undefined;
  /**
   * 16 bytes. Private mode: default random (pass one only for test vectors). Convergent mode: always
   * zero (the ciphertext must be a function of the plaintext alone); a non-zero salt is refused.
   */
  salt?: Uint8Array | undefined;
};

/**
 * The 100-byte authenticated header of an encrypted file: magic "PKNE", version, mode, segment size,
 * plaintext size, salt, key check and an HMAC over all of it (layout in docs/encryption.md).
 *
 * @example
 * const header = createEncryptionHeader({ key, mode: "private", plaintextSize: file.size })
 */
export function createEncryptionHeader({
  key,
  mode,
  plaintextSize,
  segmentSize = DEFAULT_SEGMENT_SIZE,
  salt,
}: CreateEncryptionHeaderParameters): Uint8Array {
  checkKey(key);
  checkSize(plaintextSize);
  checkSegmentSize(segmentSize);
  const modeByte = ENCRYPTION_MODE_BYTE[mode];
  if (modeByte === undefined) throw new EncryptionError("InvalidParameter", `unknown encryption mode: ${String(mode)}`);
  if (salt !== undefined && salt.length !== 16) throw new EncryptionError("InvalidParameter", `salt must be 16 bytes, got ${salt.length}`);
  let fileSalt: Uint8Array;
  if (mode === "convergent") {
    if (salt !== undefined && salt.some((b) => b !== 0)) throw new EncryptionError("InvalidParameter", "convergent mode uses a zero salt");
    fileSalt = new Uint8Array(16);
  } else {
    fileSalt = salt ?? globalThis.crypto.getRandomValues(new Uint8Array(16));
  }

  const header = new Uint8Array(ENCRYPTION_HEADER_SIZE);
  const view = new DataView(header.buffer);
  header.set(ENCRYPTION_MAGIC, 0);
  header[4] = ENCRYPTION_VERSION;
  header[5] = modeByte;
  // bytes 6..8 reserved (zero)
  view.setUint32(8, segmentSize);
  writeUint64(view, 12, plaintextSize);
  header.set(fileSalt, 20);
  const prk = filePrk(key, fileSalt);
  header.set(keyCheckOf(prk), 36);
  header.set(hmac(sha256, headerMacKeyOf(prk), header.subarray(0, MAC_OFFSET)), MAC_OFFSET);
  return header;
}
