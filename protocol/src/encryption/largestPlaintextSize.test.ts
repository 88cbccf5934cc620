import { describe, expect, it } from "vitest";
import { DEFAULT_SEGMENT_SIZE, ENCRYPTION_HEADER_SIZE, ENCRYPTION_TAG_SIZE, MAX_SEGMENT_SIZE, MIN_SEGMENT_SIZE } from "./constants.ts";
import { encryptedSize } from "./encryptedSize.ts";
import { EncryptionError } from "./EncryptionError.ts";
import { largestPlaintextSize } from "./largestPlaintextSize.ts";

/** The definition, checked with the format's own size function. */
function expectLargest(maxStoredSize: number, segmentSize: number) {
  const largest = largestPlaintextSize({ maxStoredSize, segmentSize });
  if (largest >= 0) expect(encryptedSize({ plaintextSize: largest, segmentSize })).toBeLessThanOrEqual(maxStoredSize);
  else expect(largest).toBe(-1);
  expect(encryptedSize({ plaintextSize: largest + 1, segmentSize })).toBeGreaterThan(maxStoredSize);
  return largest;
}

describe("largestPlaintextSize", () => {
  it("1 GiB stored holds 1,073,479,644 plaintext bytes with 64 KiB segments (the ciphertext fills it exactly)", () => {
    const largest = expectLargest(2 ** 30, DEFAULT_SEGMENT_SIZE);
    expect(largest).toBe(1_073_479_644);
    expect(largestPlaintextSize({ maxStoredSize: 2 ** 30 })).toBe(1_073_479_644); // the default segment size
    expect(encryptedSize({ plaintextSize: largest })).toBe(2 ** 30);
    expect(encryptedSize({ plaintextSize: largest + 1 })).toBe(2 ** 30 + 1);
  });

  it("is exact around every segment boundary (limits where a new segment's tag does not fit)", () => {
    const S = MIN_SEGMENT_SIZE;
    const step = S + ENCRYPTION_TAG_SIZE;
    for (let segments = 1; segments <= 4; segments++) {
      const full = ENCRYPTION_HEADER_SIZE + segments * step; // exactly `segments` full segments
      for (let delta = -ENCRYPTION_TAG_SIZE - 2; delta <= ENCRYPTION_TAG_SIZE + 2; delta++) expectLargest(full + delta, S);
      // One byte past full segments cannot start a new one (it would need a tag too): the plaintext stays at whole segments.
      expect(largestPlaintextSize({ maxStoredSize: full + ENCRYPTION_TAG_SIZE, segmentSize: S })).toBe(segments * S);
      expect(largestPlaintextSize({ maxStoredSize: full + ENCRYPTION_TAG_SIZE + 1, segmentSize: S })).toBe(segments * S + 1);
    }
  });

  it("is exact for every limit in a range and for large limits and segment sizes", () => {
    for (let limit = 100; limit <= 3 * 1040 + 200; limit++) expectLargest(limit, MIN_SEGMENT_SIZE);
    for (const segmentSize of [MIN_SEGMENT_SIZE, DEFAULT_SEGMENT_SIZE, MAX_SEGMENT_SIZE]) {
      for (const limit of [2 ** 20, 2 ** 30 - 1, 2 ** 30, 2 ** 30 + 1, 5 * 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER - 2 ** 20]) expectLargest(limit, segmentSize);
    }
  });

  it("an empty file needs the header and one tag; below that nothing fits (−1)", () => {
    const empty = ENCRYPTION_HEADER_SIZE + ENCRYPTION_TAG_SIZE;
    expect(largestPlaintextSize({ maxStoredSize: empty })).toBe(0);
    expect(largestPlaintextSize({ maxStoredSize: empty - 1 })).toBe(-1);
    expect(largestPlaintextSize({ maxStoredSize: 0 })).toBe(-1);
    expect(largestPlaintextSize({ maxStoredSize: empty + 1 })).toBe(1);
  });

  it("refuses a limit or segment size out of range", () => {
    for (const maxStoredSize of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => largestPlaintextSize({ maxStoredSize })).toThrow(EncryptionError);
    }
    expect(() => largestPlaintextSize({ maxStoredSize: 2 ** 30, segmentSize: 1000 })).toThrow(/segment size must be a power of two/);
  });
});
