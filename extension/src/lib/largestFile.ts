import { largestPlaintextSize } from "@pekanu/protocol/encryption";

export type LargestFileParameters = {
  /** The provider's `pricing.maxFileSize`: the most bytes it stores (the ciphertext's, for an encrypted file). */
  maxFileSize: number;
  /** The file's encryption (its segment size), or null when it is stored as it is. */
  encryption: { segmentSize: number } | null | undefined;
};

/**
 * The largest file (its own size, in bytes) a provider takes for this protection: `maxFileSize`
 * unencrypted; encrypted, the largest whose ciphertext fits in `maxFileSize` (a little less:
 * a header and a tag per segment are added). −1 when not even an empty file fits.
 *
 * @example
 * largestFile({ maxFileSize: 2 ** 30, encryption: { segmentSize: 65536 } }) // 1073479644
 */
export function largestFile({ maxFileSize, encryption }: LargestFileParameters): number {
  return encryption ? largestPlaintextSize({ maxStoredSize: maxFileSize, segmentSize: encryption.segmentSize }) : maxFileSize;
}
