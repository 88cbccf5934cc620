import {
  ENCRYPTION_HEADER_SIZE,
  ENCRYPTION_TAG_SIZE,
  encryptedSize,
  parseEncryptionHeader,
  segmentCount,
} from "@pekanu/protocol/encryption";

/** Where every encryption segment of a file sits in its ciphertext (docs/encryption.md). */
export type EncryptedLayout = {
  /** The file's 100-byte header. */
  header: Uint8Array;
  plaintextSize: number;
  /** Plaintext bytes per encryption segment. */
  segmentSize: number;
  /** Number of encryption segments. */
  segments: number;
  /** Ciphertext size: the `size` of the commitment, quote and receipt. */
  size: number;
};

/**
 * The layout of a ciphertext from its header.
 *
 * @example
 * const layout = encryptedLayout(createEncryptionHeader({ key, mode: "private", plaintextSize: file.size }))
 */
export function encryptedLayout(header: Uint8Array): EncryptedLayout {
  const { plaintextSize, segmentSize } = parseEncryptionHeader(header);
  return {
    header: header.slice(0, ENCRYPTION_HEADER_SIZE),
    plaintextSize,
    segmentSize,
    segments: segmentCount({ plaintextSize, segmentSize }),
    size: encryptedSize({ plaintextSize, segmentSize }),
  };
}

/** Ciphertext offset of encryption segment `i`. */
export const ciphertextOffsetOf = (layout: EncryptedLayout, i: number) => ENCRYPTION_HEADER_SIZE + i * (layout.segmentSize + ENCRYPTION_TAG_SIZE);
