import { ENCRYPTION_HEADER_SIZE } from "./constants.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { asBufferSource, filePrk, segmentKeyBytesOf, subtle } from "./internal.ts";

export type ImportSegmentKeyParameters = {
  /** The 32-byte file key. */
  key: Uint8Array;
  /** The file's 100-byte header (from `createEncryptionHeader`, or verified with `verifyEncryptionHeader`). */
  header: Uint8Array;
};

/**
 * The non-extractable WebCrypto AES-256-GCM key of a file's segments: HKDF-Expand of the file key
 * (salted with the header's salt) with info "pekanu/encryption/v1/segment key" ‖ header bytes 0..36,
 * so one file key never encrypts two layouts with the same nonces.
 *
 * @example
 * const cryptoKey = await importSegmentKey({ key, header })
 */
export async function importSegmentKey({ key, header }: ImportSegmentKeyParameters): Promise<CryptoKey> {
  if (header.length < ENCRYPTION_HEADER_SIZE) throw new EncryptionError("InvalidParameter", `header must be ${ENCRYPTION_HEADER_SIZE} bytes`);
  const bytes = segmentKeyBytesOf(filePrk(key, header.subarray(20, 36)), header);
  return subtle().importKey("raw", asBufferSource(bytes), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}
