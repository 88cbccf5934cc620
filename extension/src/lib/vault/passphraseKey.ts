// scrypt of a passphrase for the sealed vault export (@noble/hashes). Internal to the vault.
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { VaultExportError } from "./VaultExportError.ts";

export type ScryptParameters = { name: "scrypt"; N: number; r: number; p: number; salt: `0x${string}` };

/**
 * The parameters new exports are sealed with: N = 2^17, r = 8, p = 1 (128 MiB, about a second in
 * Chromium on a laptop core: `npm run bench:extension` measures it), a 32-byte random salt.
 */
export const SEAL_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;

/** What an import accepts: no weaker than 2^14 (old or test exports), no costlier than 256 MiB of memory. */
export function checkScryptParameters({ N, r, p }: { N: number; r: number; p: number }): void {
  const ok =
    Number.isSafeInteger(N) && N >= 2 ** 14 && N <= 2 ** 18 && (N & (N - 1)) === 0 &&
    Number.isSafeInteger(r) && r >= 1 && r <= 16 &&
    Number.isSafeInteger(p) && p >= 1 && p <= 4 &&
    128 * N * r <= 256 * 2 ** 20;
  if (!ok) throw new VaultExportError("UnsafeKdfParameters", `The export's key-derivation parameters are out of range (scrypt N=${N}, r=${r}, p=${p}).`);
}

export async function passphraseKey({
  passphrase,
  salt,
  N,
  r,
  p,
  onProgress,
}: {
  passphrase: string;
  salt: Uint8Array;
  N: number;
  r: number;
  p: number;
  onProgress?: ((fraction: number) => void) | undefined;
}): Promise<Uint8Array> {
  checkScryptParameters({ N, r, p });
  const password = new TextEncoder().encode(passphrase.normalize("NFKC"));
  return scryptAsync(password, salt, { N, r, p, dkLen: 32, maxmem: 2 ** 29, asyncTick: 50, ...(onProgress ? { onProgress } : {}) });
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
