/** A protocol-level failure with a stable machine-readable code and a short message. */
export class PekanuError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PekanuError";
    this.code = code;
  }
}
