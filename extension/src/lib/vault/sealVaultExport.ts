import { encryptBytes } from "@pekanu/protocol/encryption";
import { bytesToHex } from "@pekanu/protocol/merkle";
import { passphraseKey, SEAL_SCRYPT, toBase64, type ScryptParameters } from "./passphraseKey.ts";
import { VaultExportError } from "./VaultExportError.ts";

export const SEALED_EXPORT_FORMAT = "pekanu-vault-sealed";
export const SEALED_EXPORT_VERSION = 1;

/** A sealed vault export as written to disk (JSON). */
export type SealedVaultExport = {
  format: typeof SEALED_EXPORT_FORMAT;
  version: number;
  /** How the sealing key comes from the passphrase. */
  kdf: ScryptParameters;
  /** The Pekanu encryption format (docs/encryption.md), private mode, under the scrypt key. */
  cipher: "pekanu-encryption-v1";
  /** Base64 of the encrypted export JSON. */
  ciphertext: string;
};

export type SealVaultExportParameters = {
  /** The export JSON (`exportVault(records, now, { includeKeys: true })`). */
  json: string;
  passphrase: string;
  /** scrypt cost (default {@link SEAL_SCRYPT}); tests pass cheaper ones. */
  scrypt?: { N: number; r: number; p: number } | undefined;
  onProgress?: ((fraction: number) => void) | undefined;
};

/**
 * Seals a vault export with a passphrase: key = scrypt(NFKC(passphrase), 32-byte random salt,
 * N = 2^17, r = 8, p = 1), then the export JSON is encrypted with it in the Pekanu format (AES-256-GCM,
 * authenticated header with a key check, so a wrong passphrase is told apart from a damaged file).
 *
 * @example
 * const text = await sealVaultExport({ json: exportVault(records, Date.now(), { includeKeys: true }), passphrase })
 */
export async function sealVaultExport({ json, passphrase, scrypt = SEAL_SCRYPT, onProgress }: SealVaultExportParameters): Promise<string> {
  if (passphrase.length === 0) throw new VaultExportError("EmptyPassphrase", "Choose a passphrase to protect the export.");
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const key = await passphraseKey({ passphrase, salt, ...scrypt, onProgress });
  const ciphertext = await encryptBytes({ key, mode: "private", plaintext: new TextEncoder().encode(json) });
  const sealed: SealedVaultExport = {
    format: SEALED_EXPORT_FORMAT,
    version: SEALED_EXPORT_VERSION,
    kdf: { name: "scrypt", ...scrypt, salt: bytesToHex(salt) },
    cipher: "pekanu-encryption-v1",
    ciphertext: toBase64(ciphertext),
  };
  return JSON.stringify(sealed, null, 1);
}
