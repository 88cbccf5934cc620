import { EncryptionError } from "./EncryptionError.ts";
import { asBufferSource, segmentNonce, subtle } from "./internal.ts";

export type DecryptSegmentParameters = {
  /** From `importSegmentKey`. */
  cryptoKey: CryptoKey;
  /** 0-based index of the position the segment was read from. */
  index: number;
  /** True for the file's last segment. */
  final: boolean;
  /** The segment's ciphertext with its 16-byte tag. */
  ciphertext: Uint8Array;
};

/**
 * One segment's plaintext, authenticated for its position (index and final flag).
 *
 * @throws {EncryptionError} `SegmentTampered` (with `segment`) when the segment does not authenticate at this position.
 * @example
 * const plaintext = await decryptSegment({ cryptoKey, index: 0, final: true, ciphertext })
 */
export async function decryptSegment({ cryptoKey, index, final, ciphertext }: DecryptSegmentParameters): Promise<Uint8Array> {
  try {
    const opened = await subtle().decrypt({ name: "AES-GCM", iv: segmentNonce(index, final), tagLength: 128 }, cryptoKey, asBufferSource(ciphertext));
    return new Uint8Array(opened);
  } catch (cause) {
    throw new EncryptionError("SegmentTampered", `segment ${index} failed authentication: the file was altered or damaged there`, { cause, segment: index });
  }
}
