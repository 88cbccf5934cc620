/**
 * How a file key was chosen:
 * - `private`: 32 random bytes; the same file stored twice gives unrelated ciphertexts.
 * - `convergent`: derived from the plaintext (`deriveConvergentKey`), so identical files give identical
 *   ciphertexts and a provider can deduplicate them. Whoever holds the same file can tell it is stored.
 */
export type EncryptionMode = "private" | "convergent";

/** The fields of an encryption header. */
export type EncryptionHeader = {
  version: number;
  mode: EncryptionMode;
  /** Plaintext bytes per segment (the last segment may be shorter). */
  segmentSize: number;
  /** Plaintext size in bytes. */
  plaintextSize: number;
  /** 16 bytes: random in private mode, zero in convergent mode. */
  salt: Uint8Array;
  /** 32 bytes: HKDF of the file key and salt, tells a wrong key from a damaged file (and commits to the key). */
  keyCheck: Uint8Array;
  /** 32 bytes: HMAC-SHA256 over header bytes 0..68 under a key derived from the file key. */
  mac: Uint8Array;
};
