// A share link for one encrypted file (docs/protocol-notes.md, "Share links"): the owner's wallet
// signs the download grant, the key goes in the link's fragment. Anyone holding the link can read
// the file until the order's storage ends; it cannot be revoked.
import { formatShareLink, shareGrantMessage } from "@pekanu/protocol";
import { hexToBytes, toHex, type Address, type Hex } from "viem";
import { humanError, UserFacingError } from "../../lib/errors.ts";
import type { VaultRecord } from "../../lib/vault/schema.ts";

export type CreateShareLinkParameters = {
  record: VaultRecord;
  /** The wallet's current account. */
  account: Address;
  /** EIP-191 signature by `account` of `message` (the wallet's personal_sign). */
  signMessage: (message: string, account: Address) => Promise<Hex>;
};

/**
 * @throws {UserFacingError} NotEncrypted, NoKey, NoLink or ShareOtherAccount.
 * @example
 * const { link, expiresAt } = await createShareLink({ record, account, signMessage })
 */
export async function createShareLink({ record, account, signMessage }: CreateShareLinkParameters): Promise<{ link: string; expiresAt: number }> {
  if (!record.encryption) throw new UserFacingError(humanError("NotEncrypted", "Not encrypted", "This file was stored without encryption: a share link is for encrypted files.", "none"));
  if (!record.encryption.key) throw new UserFacingError(humanError("NoKey", "Key missing", "This browser does not hold the file's key (the record came from an export without keys).", "none"));
  if (!record.link) throw new UserFacingError(humanError("NoLink", "Not stored yet", "This file has no download link yet.", "none"));
  if (account.toLowerCase() !== record.client.toLowerCase()) {
    throw new UserFacingError(humanError("ShareOtherAccount", "Switch account", `Only the account that stored the file (${record.client}) can share it. Switch to it in your wallet.`, "none"));
  }
  const expiresAt = Number(record.quote.storageUntil);
  const message = shareGrantMessage({ fileRoot: record.fileRoot, chainId: record.chainId, contract: record.contract, expiresAt });
  const signature = await signMessage(message, account);
  return { link: formatShareLink({ link: record.link, key: hexToBytes(record.encryption.key), grant: { expiresAt, signature }, fileName: record.fileName }), expiresAt };
}

/** The hex form personal_sign takes. */
export const messageHex = (message: string): Hex => toHex(new TextEncoder().encode(message));
