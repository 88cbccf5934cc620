import { DEFAULT_SEGMENT_SIZE, ENCRYPTION_HEADER_SIZE, ENCRYPTION_TAG_SIZE } from "./constants.ts";
import { segmentCount } from "./segmentCount.ts";

export type EncryptedSizeParameters = {
  plaintextSize: number;
  /** Default {@link DEFAULT_SEGMENT_SIZE}. */
  segmentSize?: number | undefined;
};

/**
 * Ciphertext size of a plaintext of `plaintextSize` bytes: header + plaintext + one 16-byte tag per segment.
 * This is the `size` the commitment, the quote and the receipt name.
 *
 * @example
 * encryptedSize({ plaintextSize: 0 }) // 116
 */
export function encryptedSize({ plaintextSize, segmentSize = DEFAULT_SEGMENT_SIZE }: EncryptedSizeParameters): number {
  return ENCRYPTION_HEADER_SIZE + plaintextSize + ENCRYPTION_TAG_SIZE * segmentCount({ plaintextSize, segmentSize });
}
