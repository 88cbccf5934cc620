import { DEFAULT_SEGMENT_SIZE } from "./constants.ts";
import { encryptedSize } from "./encryptedSize.ts";
import { checkSegmentSize, checkSize } from "./internal.ts";

export type LargestPlaintextSizeParameters = {
  /** The most bytes that may be stored (a provider's `maxFileSize`): the ciphertext must fit in it. */
  maxStoredSize: number;
  /** Default {@link DEFAULT_SEGMENT_SIZE}. */
  segmentSize?: number | undefined;
};

/**
 * The largest plaintext whose ciphertext fits in `maxStoredSize` bytes: the largest `p` with
 * `encryptedSize(p) ≤ maxStoredSize` (so `encryptedSize(p + 1) > maxStoredSize`). −1 when not even
 * an empty file fits (`maxStoredSize` below the header plus one tag). Exact: a binary search over
 * {@link encryptedSize}, which grows with the plaintext, so the two can never disagree.
 *
 * @example
 * largestPlaintextSize({ maxStoredSize: 2 ** 30 }) // 1073479644 (1 GiB stored)
 */
export function largestPlaintextSize({ maxStoredSize, segmentSize = DEFAULT_SEGMENT_SIZE }: LargestPlaintextSizeParameters): number {
  checkSize(maxStoredSize, "stored size limit");
  checkSegmentSize(segmentSize);
  const fits = (plaintextSize: number) => encryptedSize({ plaintextSize, segmentSize }) <= maxStoredSize;
  // Invariant: `low` fits (or is −1), `high` does not (the ciphertext is always longer than the plaintext).
  let low = -1;
  let high = maxStoredSize;
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}
