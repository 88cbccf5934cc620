// Pekanu client-side encryption format: AES-256-GCM in fixed-size segments behind a 100-byte
// authenticated header (docs/encryption.md). Isomorphic: WebCrypto (globalThis.crypto.subtle) in
// browsers, workers and Node; HKDF/HMAC from @noble/hashes.
export {
  DEFAULT_SEGMENT_SIZE,
  ENCRYPTION_HEADER_SIZE,
  ENCRYPTION_LABELS,
  ENCRYPTION_MAGIC,
  ENCRYPTION_MODE_BYTE,
  ENCRYPTION_TAG_SIZE,
  ENCRYPTION_VERSION,
  FILE_KEY_SIZE,
  MAX_SEGMENT_SIZE,
  MIN_SEGMENT_SIZE,
} from "./constants.ts";
export type { ByteSource } from "./byteReader.ts";
export { createEncryptionHeader, type CreateEncryptionHeaderParameters } from "./createEncryptionHeader.ts";
export { decryptBytes, type DecryptBytesParameters } from "./decryptBytes.ts";
export { decryptSegment, type DecryptSegmentParameters } from "./decryptSegment.ts";
export { decryptStream, type DecryptStreamParameters } from "./decryptStream.ts";
export { deriveConvergentKey, type DeriveConvergentKeyParameters } from "./deriveConvergentKey.ts";
export { encryptBytes, type EncryptBytesParameters } from "./encryptBytes.ts";
export { encryptedSize, type EncryptedSizeParameters } from "./encryptedSize.ts";
export { encryptSegment, type EncryptSegmentParameters } from "./encryptSegment.ts";
export { EncryptionError, type EncryptionErrorCode } from "./EncryptionError.ts";
export { encryptStream, type EncryptStreamParameters } from "./encryptStream.ts";
export { generateFileKey } from "./generateFileKey.ts";
export { importSegmentKey, type ImportSegmentKeyParameters } from "./importSegmentKey.ts";
export { largestPlaintextSize, type LargestPlaintextSizeParameters } from "./largestPlaintextSize.ts";
export { parseEncryptionHeader } from "./parseEncryptionHeader.ts";
export { segmentCount, type SegmentCountParameters } from "./segmentCount.ts";
export { segmentPlaintextLength, type SegmentPlaintextLengthParameters } from "./segmentPlaintextLength.ts";
export type { EncryptionHeader, EncryptionMode } from "./types.ts";
export { verifyEncryptionHeader, type VerifyEncryptionHeaderParameters } from "./verifyEncryptionHeader.ts";
