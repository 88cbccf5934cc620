export type ShareLinkErrorCode = "NotALink" | "NoKey" | "BadKey" | "BadGrant";

/** A share link that cannot be used; `code` says why. */
export class ShareLinkError extends Error {
  override readonly name = "ShareLinkError";
  readonly code: ShareLinkErrorCode;
  constructor(code: ShareLinkErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
