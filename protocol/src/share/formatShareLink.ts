import { bytesToHex, type Hex } from "viem";

export type FormatShareLinkParameters = {
  /** The receipt's link L (`<provider>/v1/files/<root>`). */
  link: string;
  /** The file's 32-byte key: goes in the fragment, which browsers never send to a server. */
  key: Uint8Array;
  /** The owner's signed grant ({@link shareGrantMessage}): `expiresAt` and the signature. */
  grant: { expiresAt: number; signature: Hex };
  /** The file's name, shown to the recipient (fragment too). */
  fileName?: string | undefined;
};

/**
 * A share link: `L?share=<expiresAt>.<signature>#k=<key hex>&n=<name>`. The query is the provider's
 * permission to serve the file to whoever holds the link; the fragment (key, name) stays in the
 * browser.
 *
 * @example
 * const url = formatShareLink({ link: record.link, key, grant: { expiresAt, signature } })
 */
export function formatShareLink({ link, key, grant, fileName }: FormatShareLinkParameters): string {
  const url = new URL(link);
  url.hash = "";
  url.searchParams.set("share", `${grant.expiresAt}.${grant.signature}`);
  const fragment = new URLSearchParams({ k: bytesToHex(key).slice(2) });
  if (fileName) fragment.set("n", fileName);
  return `${url.toString()}#${fragment.toString()}`;
}
