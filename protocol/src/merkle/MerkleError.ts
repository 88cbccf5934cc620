/** Machine-readable reason of a {@link MerkleError}. */
export type MerkleErrorCode =
  /** A chunk / leaf index is not below the number of chunks / leaves. */
  | "ChunkIndexOutOfRange"
  /** An index is not a non-negative safe integer. */
  | "InvalidIndex"
  /** A tree size (number of leaves) is not a positive safe integer. */
  | "InvalidTreeSize"
  /** A file size in bytes is not a non-negative safe integer. */
  | "InvalidSize"
  /** An audit path is too short or too long for the leaf position and tree size. */
  | "ProofLengthMismatch"
  /** A hash (root, leaf hash, proof element) is not 32 bytes. */
  | "InvalidHashLength"
  /** A string is not `0x`-prefixed, even-length hex. */
  | "InvalidHex"
  /** A chunk does not have the length its position requires (1024 bytes, except the last). */
  | "InvalidChunkLength"
  /** A tree with no leaves where at least one is required (a file always has at least one chunk). */
  | "EmptyTree";

/** The error thrown by the Merkle commitment code; `code` says why. */
export class MerkleError extends Error {
  override readonly name = "MerkleError";
  readonly code: MerkleErrorCode;

  constructor(code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
