import {
  ENCRYPTION_HEADER_SIZE,
  ENCRYPTION_MAGIC,
  ENCRYPTION_MODE_BYTE,
  ENCRYPTION_VERSION,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
} from "./constants.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { MAC_OFFSET, readUint64 } from "./internal.ts";
import type { EncryptionHeader, EncryptionMode } from "./types.ts";

/**
 * The fields of an encryption header, checked for form only (magic, version, ranges). This does not
 * authenticate anything: use `verifyEncryptionHeader` with the key before trusting a field.
 *
 * @throws {EncryptionError} `NotEncrypted`, `Truncated` (fewer than 100 bytes), `UnsupportedVersion`, `InvalidHeader`.
 * @example
 * const { mode, plaintextSize } = parseEncryptionHeader(firstBytes)
 */
export function parseEncryptionHeader(bytes: Uint8Array): EncryptionHeader {
  for (let i = 0; i < ENCRYPTION_MAGIC.length; i++) {
    if (i >= bytes.length) {
      throw new EncryptionError(bytes.length === 0 ? "Truncated" : "NotEncrypted", bytes.length === 0 ? "the ciphertext is empty (no header)" : "too short to be a Pekanu encrypted file");
    }
    if (bytes[i] !== ENCRYPTION_MAGIC[i]) throw new EncryptionError("NotEncrypted", "not a Pekanu encrypted file (no PKNE header)");
  }
  if (bytes.length < ENCRYPTION_HEADER_SIZE) {
    throw new EncryptionError("Truncated", `the ciphertext ends inside the header (${bytes.length} of ${ENCRYPTION_HEADER_SIZE} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, ENCRYPTION_HEADER_SIZE);
  const version = bytes[4]!;
  if (version !== ENCRYPTION_VERSION) throw new EncryptionError("UnsupportedVersion", `encryption format version ${version} is not supported (this reads ${ENCRYPTION_VERSION})`);
  const mode = (Object.keys(ENCRYPTION_MODE_BYTE) as EncryptionMode[]).find((m) => ENCRYPTION_MODE_BYTE[m] === bytes[5]);
  if (mode === undefined) throw new EncryptionError("InvalidHeader", `unknown encryption mode byte ${bytes[5]}`);
  if (bytes[6] !== 0 || bytes[7] !== 0) throw new EncryptionError("InvalidHeader", "reserved header bytes are not zero");
  const segmentSize = view.getUint32(8);
  if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > MAX_SEGMENT_SIZE || (segmentSize & (segmentSize - 1)) !== 0) {
    throw new EncryptionError("InvalidHeader", `segment size ${segmentSize} is not a power of two from ${MIN_SEGMENT_SIZE} to ${MAX_SEGMENT_SIZE}`);
  }
  const plaintextSize = readUint64(view, 12);
  if (!Number.isSafeInteger(plaintextSize)) throw new EncryptionError("InvalidHeader", "plaintext size is out of range");
  return {
    version,
    mode,
    segmentSize,
    plaintextSize,
    salt: bytes.slice(20, 36),
    keyCheck: bytes.slice(36, MAC_OFFSET),
    mac: bytes.slice(MAC_OFFSET, ENCRYPTION_HEADER_SIZE),
  };
}
