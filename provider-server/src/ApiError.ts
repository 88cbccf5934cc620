import type { ErrorCode } from "@pekanu/protocol";

/** The HTTP status each error code is answered with. */
export const errorStatus: Record<ErrorCode, number> = {
  BadRequest: 400,
  PayloadTooLarge: 413,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  NonceInvalid: 401,
  SiweInvalid: 401,
  NotRegistered: 403,
  RegistrationRefused: 403,
  QuoteRejected: 422,
  OrderNotPaid: 402,
  OrderExpired: 410,
  SizeMismatch: 422,
  RootMismatch: 422,
  OwnershipProofFailed: 422,
  RangeNotSatisfiable: 416,
  ChainUnavailable: 503,
  RateLimited: 429,
  Internal: 500,
  NotYourFile: 403,
  WrongDimensions: 422,
  JobTooLarge: 422,
  UnknownKernel: 422,
  InputEncrypted: 422,
};

/** An error the client sees as `{error: {code, message}}`; the message must be safe to show. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number; headers?: Record<string, string> }) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.statusCode = options?.status ?? errorStatus[code];
    this.headers = options?.headers;
  }
}
