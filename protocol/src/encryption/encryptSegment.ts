import { asBufferSource, subtle, segmentNonce } from "./internal.ts";

export type EncryptSegmentParameters = {
  /** From `importSegmentKey`. */
  cryptoKey: CryptoKey;
  /** 0-based segment index. */
  index: number;
  /** True for the file's last segment. */
  final: boolean;
  /** The segment's plaintext (`segmentSize` bytes, the last one shorter). WebCrypto copies it at the call. */
  plaintext: Uint8Array;
};

/**
 * One segment's ciphertext: AES-256-GCM with nonce = index (u64 BE) ‖ 0x000000 ‖ final flag, no
 * additional data; the 16-byte tag follows the ciphertext. Segments are independent, so callers may
 * encrypt several at once.
 *
 * @example
 * const sealed = await encryptSegment({ cryptoKey, index: 0, final: true, plaintext })
 */
export async function encryptSegment({ cryptoKey, index, final, plaintext }: EncryptSegmentParameters): Promise<Uint8Array> {
  const sealed = await subtle().encrypt({ name: "AES-GCM", iv: segmentNonce(index, final), tagLength: 128 }, cryptoKey, asBufferSource(plaintext));
  return new Uint8Array(sealed);
}
