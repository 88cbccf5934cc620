/** Machine-readable reason of an {@link EncryptionError}. */
export type EncryptionErrorCode =
  /** The bytes do not start with the "PKNE" magic: not a Pekanu encrypted file. */
  | "NotEncrypted"
  /** A header version this code does not read. */
  | "UnsupportedVersion"
  /** A header field out of range (mode, reserved bytes, segment size, plaintext size). */
  | "InvalidHeader"
  /** The key does not match the header's key check: wrong key (or the header's salt was altered). */
  | "WrongKey"
  /** The key is right but the header's MAC fails: the header was altered. */
  | "HeaderTampered"
  /** A segment failed authentication: altered or corrupted bytes. `segment` names it. */
  | "SegmentTampered"
  /** A segment authenticates, but at another position: segments were reordered. `segment` is where it was found, `foundIndex` where it belongs. */
  | "SegmentOutOfOrder"
  /** The ciphertext ended before the last segment the header announces. `segment` names the incomplete one. */
  | "Truncated"
  /** Bytes follow the last segment. */
  | "TrailingData"
  /** A key that is not 32 bytes. */
  | "InvalidKey"
  /** The plaintext read is longer or shorter than the size announced in the header. */
  | "SizeMismatch"
  /** A parameter out of range (segment size, size, index). */
  | "InvalidParameter";

/** The error thrown by the encryption format code; `code` says why, `segment` which segment when one is at fault. */
export class EncryptionError extends Error {
  override readonly name = "EncryptionError";
  readonly code: EncryptionErrorCode;
  /** 0-based index of the segment at fault, when one is. */
  readonly segment: number | undefined;
  /** For `SegmentOutOfOrder`: the index the segment was encrypted for. */
  readonly foundIndex: number | undefined;

  constructor(
    code: EncryptionErrorCode,
    message: string,
    options?: { cause?: unknown; segment?: number | undefined; foundIndex?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.segment = options?.segment;
    this.foundIndex = options?.foundIndex;
  }
}
