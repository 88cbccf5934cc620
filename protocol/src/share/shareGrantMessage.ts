import type { Address, Hex } from "viem";

export type ShareGrantMessageParameters = {
  /** The shared file's root (the ciphertext's, for an encrypted file). */
  fileRoot: Hex;
  /** The provider's contract and its chain: a grant is good with this provider only. */
  chainId: number;
  contract: Address;
  /** Unix seconds after which the grant is refused. */
  expiresAt: number;
};

/**
 * The text a file's owner signs (EIP-191 `personal_sign`) to let anyone holding a share link
 * download that one file from that one provider until `expiresAt`. The provider recovers the signer
 * and serves the file while the signer still holds a stored order for it (docs/protocol-notes.md,
 * "Share links"). It cannot be revoked before it expires: the UI says so.
 *
 * @example
 * const message = shareGrantMessage({ fileRoot, chainId: 31337, contract, expiresAt: 1_900_000_000 })
 */
export function shareGrantMessage({ fileRoot, chainId, contract, expiresAt }: ShareGrantMessageParameters): string {
  return [
    "Pekanu share link",
    "Anyone holding this link may download this one file until the date below. This cannot be revoked.",
    `File: ${fileRoot.toLowerCase()}`,
    `Provider contract: ${contract.toLowerCase()}`,
    `Chain ID: ${chainId}`,
    `Expires: ${new Date(expiresAt * 1000).toISOString()} (${expiresAt})`,
  ].join("\n");
}
