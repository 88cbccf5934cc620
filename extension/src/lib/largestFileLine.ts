import { DEFAULT_SEGMENT_SIZE } from "@pekanu/protocol/encryption";
import { formatByteCount, formatByteLimit } from "./format.ts";
import { largestFile } from "./largestFile.ts";

export type LargestFileLineParameters = {
  /** The provider's `pricing.maxFileSize` (what it stores). */
  maxFileSize: number;
  /** The protection chosen for the next file. */
  protection: "private" | "convergent" | "none";
  /** Encryption segment size of new files; default {@link DEFAULT_SEGMENT_SIZE}. */
  segmentSize?: number | undefined;
};

/**
 * "files up to …" for the protection chosen: the provider's limit when stored as it is; encrypted,
 * the largest file whose encrypted form fits (a little less), never rounded up.
 *
 * @example
 * largestFileLine({ maxFileSize: 2 ** 30, protection: "private" })
 * // "files up to 1023.7 MiB encrypted (1,073,479,644 bytes; 1 GiB not encrypted)"
 */
export function largestFileLine({ maxFileSize, protection, segmentSize = DEFAULT_SEGMENT_SIZE }: LargestFileLineParameters): string {
  if (protection === "none") return `files up to ${formatByteLimit(maxFileSize)} (${formatByteCount(maxFileSize)} bytes)`;
  const largest = Math.max(0, largestFile({ maxFileSize, encryption: { segmentSize } }));
  return `files up to ${formatByteLimit(largest)} encrypted (${formatByteCount(largest)} bytes; ${formatByteLimit(maxFileSize)} not encrypted)`;
}
