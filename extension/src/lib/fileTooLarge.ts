import { humanError, type HumanError } from "./errors.ts";
import { formatByteCount, formatByteLimit } from "./format.ts";
import { largestFile } from "./largestFile.ts";

export type FileTooLargeParameters = {
  /** The provider's `pricing.maxFileSize` (what it stores: the ciphertext's size for an encrypted file). */
  maxFileSize: number;
  name: string;
  /** The file's own size. */
  plainSize: number;
  /** The bytes that would be stored (the ciphertext's size when encrypted); default: computed from `plainSize`. */
  storedSize?: number | undefined;
  /** The file's encryption (its segment size), or null when stored as it is. */
  encryption: { segmentSize: number } | null | undefined;
};

/**
 * Why a provider would refuse this file for its size, in plain words that name the largest file
 * for the chosen protection; null when it fits. Checked on what is stored (the ciphertext when
 * encrypted), before anything is encrypted, quoted or paid.
 *
 * @example
 * fileTooLarge({ maxFileSize: 2 ** 30, name: "a.iso", plainSize: 2 ** 30, encryption: { segmentSize: 65536 } })
 * // { code: "FileTooLarge", message: "This provider stores files up to 1 GiB (1,073,741,824 bytes). Encrypted, the largest file is 1,073,479,644 bytes (1023.7 MiB) …" }
 */
export function fileTooLarge({ maxFileSize, name, plainSize, storedSize, encryption }: FileTooLargeParameters): HumanError | null {
  const largest = largestFile({ maxFileSize, encryption });
  const stored = storedSize ?? (encryption ? null : plainSize);
  if (plainSize <= largest && (stored === null || stored <= maxFileSize)) return null;
  const limit = `This provider stores files up to ${formatByteLimit(maxFileSize)} (${formatByteCount(maxFileSize)} bytes).`;
  // The file's size with how much too large it is (a unit alone would round 1 GiB + 1 byte to "1 GiB").
  const over = plainSize - Math.max(0, largest);
  const size = `"${name}" is ${formatByteCount(plainSize)} bytes (${formatByteLimit(plainSize)}), ${formatByteCount(over)} ${over === 1 ? "byte" : "bytes"} too many.`;
  if (!encryption) return humanError("FileTooLarge", "File too large", `${limit} ${size} Split it, or choose a provider that stores larger files.`, "none");
  const encrypted = `Encrypted, a file takes a little more room: the largest file is ${formatByteCount(Math.max(0, largest))} bytes (${formatByteLimit(Math.max(0, largest))}).`;
  const advice = plainSize <= maxFileSize ? "Store it unencrypted (the provider can then read it), or split it." : "Split it, or choose a provider that stores larger files.";
  return humanError("FileTooLarge", "File too large", `${limit} ${encrypted} ${size} ${advice}`, "none");
}
