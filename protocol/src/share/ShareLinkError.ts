export type ShareLinkErrorCode = "NotALink" | "NoKey" | "BadKey" | "BadGrant";

/** A share link that cannot be used; `code` says why. */
export class ShareLinkError extends Error {
  override readonly name = "ShareLinkError";
  constructor(
    readonly code: ShareLinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}
