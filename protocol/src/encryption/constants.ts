/** The first four bytes of every encrypted file: ASCII "PKNE" (Pekanu encrypted). */
export const ENCRYPTION_MAGIC = new Uint8Array([0x50, 0x4b, 0x4e, 0x45]);

/** Format version written in the header (byte 4). */
export const ENCRYPTION_VERSION = 1;

/** Bytes in the encryption header (see docs/encryption.md for the layout). */
export const ENCRYPTION_HEADER_SIZE = 100;

/** Bytes of the AES-GCM authentication tag appended to every segment. */
export const ENCRYPTION_TAG_SIZE = 16;

/** Bytes in a file key (AES-256). */
export const FILE_KEY_SIZE = 32;

/**
 * Default plaintext bytes per segment: 64 KiB (the last segment may be shorter). Measured in
 * Chromium, WebCrypto's AES-GCM runs several times faster per byte on 64 KiB calls than on 1 MiB ones
 * (`npm run bench:extension`); the tag overhead is 0.02 %.
 */
export const DEFAULT_SEGMENT_SIZE = 1 << 16;

/** Smallest allowed segment size (bytes, a power of two). */
export const MIN_SEGMENT_SIZE = 1 << 10;

/** Largest allowed segment size (bytes, a power of two). */
export const MAX_SEGMENT_SIZE = 1 << 24;

/** Header byte 5: how the file key was chosen. */
export const ENCRYPTION_MODE_BYTE = { private: 1, convergent: 2 } as const;

/** Domain-separation labels of every derivation (UTF-8). */
export const ENCRYPTION_LABELS = {
  /** HKDF salt of the convergent key (its input keying material is the plaintext's Merkle root). */
  convergentSalt: "pekanu/encryption/v1/convergent",
  /** HKDF info of the convergent key. */
  convergentInfo: "pekanu/encryption/v1/convergent file key",
  /** HKDF info of the key check value written in the header. */
  keyCheck: "pekanu/encryption/v1/key check",
  /** HKDF info of the header MAC key. */
  headerMac: "pekanu/encryption/v1/header mac",
  /** HKDF info prefix of the segment key (followed by header bytes 0..36). */
  segmentKey: "pekanu/encryption/v1/segment key",
} as const;
