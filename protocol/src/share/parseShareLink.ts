import { hexToBytes, isHex, type Hex } from "viem";
import { ShareLinkError } from "./ShareLinkError.ts";

export type ShareLink = {
  /** The link L without the share grant or fragment: what the receipt names. */
  link: string;
  /** The URL to download from (L with the grant). */
  downloadUrl: string;
  fileRoot: Hex;
  key: Uint8Array;
  grant: { expiresAt: number; signature: Hex };
  fileName: string | null;
};

/** Parses the `share` query value `<expiresAt>.<signature>`; null when malformed. */
export function parseShareGrant(value: string): { expiresAt: number; signature: Hex } | null {
  const match = /^(\d{1,12})\.(0x[0-9a-fA-F]{130})$/.exec(value);
  if (!match) return null;
  return { expiresAt: Number(match[1]), signature: match[2] as Hex };
}

/**
 * Reads a share link made by `formatShareLink`.
 *
 * @throws {ShareLinkError} NotALink, NoKey, BadKey or BadGrant.
 * @example
 * const { downloadUrl, fileRoot, key } = parseShareLink(text)
 */
export function parseShareLink(text: string): ShareLink {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ShareLinkError("NotALink", "This is not a link.");
  }
  const root = /\/v1\/files\/(0x[0-9a-fA-F]{64})$/.exec(url.pathname);
  if (!root || (url.protocol !== "https:" && url.protocol !== "http:")) throw new ShareLinkError("NotALink", "This is not a Pekanu file link.");
  const fragment = new URLSearchParams(url.hash.slice(1));
  const k = fragment.get("k");
  if (!k) throw new ShareLinkError("NoKey", "The link has no key (the part after #k= is missing); ask for the whole link.");
  if (!/^[0-9a-fA-F]{64}$/.test(k) || !isHex(`0x${k}`)) throw new ShareLinkError("BadKey", "The key in the link is damaged; ask for the whole link again.");
  const grant = parseShareGrant(url.searchParams.get("share") ?? "");
  if (!grant) throw new ShareLinkError("BadGrant", "The link's permission to download is missing or damaged; ask for the whole link again.");
  const download = new URL(url);
  download.hash = "";
  const link = new URL(download);
  link.search = "";
  return {
    link: link.toString(),
    downloadUrl: download.toString(),
    fileRoot: root[1]!.toLowerCase() as Hex,
    key: hexToBytes(`0x${k}`),
    grant,
    fileName: fragment.get("n"),
  };
}
