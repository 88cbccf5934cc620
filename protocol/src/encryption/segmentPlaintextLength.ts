import { checkSize } from "./internal.ts";
import { segmentCount } from "./segmentCount.ts";

export type SegmentPlaintextLengthParameters = {
  plaintextSize: number;
  segmentSize: number;
  /** 0-based segment index. */
  index: number;
};

/**
 * Plaintext bytes in segment `index`: `segmentSize`, except the last segment (the remainder, or 0 for an empty file).
 *
 * @example
 * segmentPlaintextLength({ plaintextSize: 2500, segmentSize: 1024, index: 2 }) // 452
 */
export function segmentPlaintextLength({ plaintextSize, segmentSize, index }: SegmentPlaintextLengthParameters): number {
  const count = segmentCount({ plaintextSize, segmentSize });
  checkSize(index, "segment index");
  if (index >= count) return 0;
  return index < count - 1 ? segmentSize : plaintextSize - segmentSize * (count - 1);
}
