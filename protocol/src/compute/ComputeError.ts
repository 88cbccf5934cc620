/** Machine-readable reason of a {@link ComputeError}. */
export type ComputeErrorCode =
  /** A matrix file is malformed: size, trailer, padding or an element ≥ p. */
  | "InvalidMatrixFile"
  /** Dimensions are not positive integers ≤ MAX_MATRIX_DIM, or do not fit together. */
  | "InvalidDimensions"
  /** A value is not an integer (CSV / .npy input), or not an element of the field. */
  | "InvalidElement"
  /** A CSV or .npy file cannot be parsed. */
  | "InvalidInput"
  /** An index (row, column, entry) is out of range. */
  | "IndexOutOfRange"
  /** A kernel id that the protocol does not know. */
  | "UnknownKernel"
  /** The WebAssembly kernel cannot run on this platform. */
  | "WasmUnavailable";

/** The error thrown by the compute code; `code` says why. */
export class ComputeError extends Error {
  override readonly name = "ComputeError";
  readonly code: ComputeErrorCode;

  constructor(code: ComputeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
