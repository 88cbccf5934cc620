import { DEFAULT_SEGMENT_SIZE } from "./constants.ts";
import { checkSegmentSize, checkSize } from "./internal.ts";

export type SegmentCountParameters = {
  plaintextSize: number;
  /** Default {@link DEFAULT_SEGMENT_SIZE}. */
  segmentSize?: number | undefined;
};

/**
 * Number of segments of an encrypted file: ⌈size / segmentSize⌉, and one (empty) segment for an empty file.
 *
 * @example
 * segmentCount({ plaintextSize: 0 }) // 1
 */
export function segmentCount({ plaintextSize, segmentSize = DEFAULT_SEGMENT_SIZE }: SegmentCountParameters): number {
  checkSize(plaintextSize);
  checkSegmentSize(segmentSize);
  return Math.max(1, Math.ceil(plaintextSize / segmentSize));
}
