export { shareGrantMessage, type ShareGrantMessageParameters } from "./shareGrantMessage.ts";
export { formatShareLink, type FormatShareLinkParameters } from "./formatShareLink.ts";
export { parseShareLink, parseShareGrant, type ShareLink } from "./parseShareLink.ts";
export { ShareLinkError, type ShareLinkErrorCode } from "./ShareLinkError.ts";
