import type { Quote } from "@pekanu/protocol";

/** Clock difference tolerated between this computer and the provider when checking a storage period. */
export const STORAGE_SLACK_SECONDS = 3_600n;

/**
 * Why a signed quote is not what the person asked for, or null when it is: another account, file
 * or size, already expired, a shorter storage period than requested, or a fine below the one the
 * provider advertises (a tiny fine would make every penalty worthless).
 */
export function quoteMismatch({
  quote,
  account,
  fileRoot,
  size,
  storageDays,
  fineMultiplier,
  nowSec,
}: {
  quote: Quote;
  account: string;
  fileRoot: string;
  size: number;
  storageDays: number;
  fineMultiplier: number;
  nowSec: bigint;
}): string | null {
  if (quote.client.toLowerCase() !== account.toLowerCase()) return "it is for another account";
  if (quote.fileRoot.toLowerCase() !== fileRoot.toLowerCase()) return "it is for another file";
  if (quote.size !== BigInt(size)) return "it is for another size";
  if (quote.expiresAt <= nowSec) return "it has already expired";
  if (quote.storageUntil + STORAGE_SLACK_SECONDS < nowSec + BigInt(storageDays) * 86_400n) {
    return `it stores the file for less than the ${storageDays} days you asked for`;
  }
  // The provider rounds the fine down in basis points: compare the same way.
  const advertisedFine = (quote.price * BigInt(Math.round(fineMultiplier * 10_000))) / 10_000n;
  if (quote.fine === 0n || quote.fine < advertisedFine) return `its fine is below the advertised ${fineMultiplier} × the price`;
  return null;
}
