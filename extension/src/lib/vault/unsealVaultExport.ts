import { decryptBytes, EncryptionError } from "@pekanu/protocol/encryption";
import { hexToBytes } from "@pekanu/protocol/merkle";
import { z } from "zod";
import { EXPORT_FORMAT } from "./exchange.ts";
import { fromBase64, passphraseKey } from "./passphraseKey.ts";
import { SEALED_EXPORT_FORMAT, SEALED_EXPORT_VERSION } from "./sealVaultExport.ts";
import { VaultExportError } from "./VaultExportError.ts";

export type UnsealVaultExportParameters = {
  /** The file's text: a sealed export, or a plaintext one. */
  text: string;
  /** Needed for a sealed export (`PassphraseRequired` without it). */
  passphrase?: string | undefined;
  onProgress?: ((fraction: number) => void) | undefined;
};

export type UnsealedVaultExport = {
  /** The export JSON, for `verifyImport`. */
  json: string;
  /** Whether the file was sealed with a passphrase. */
  sealed: boolean;
};

const envelopeSchema = z.object({
  format: z.literal(SEALED_EXPORT_FORMAT),
  version: z.number().int(),
  kdf: z.object({
    name: z.string(),
    N: z.number(),
    r: z.number(),
    p: z.number(),
    salt: z.string().regex(/^0x([0-9a-fA-F]{2}){16,64}$/),
  }),
  cipher: z.string(),
  ciphertext: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/),
});

/**
 * Opens a vault export for import: a sealed one with its passphrase, a plaintext one as is. Nothing is
 * imported here; a wrong passphrase throws before any record is read.
 *
 * @throws {VaultExportError} `PassphraseRequired`, `WrongPassphrase`, `Damaged`, `NotAnExport`, `UnsupportedFormat`, `UnsafeKdfParameters`.
 * @example
 * const { json } = await unsealVaultExport({ text, passphrase })
 * const report = await verifyImport(json, signerSource)
 */
export async function unsealVaultExport({ text, passphrase, onProgress }: UnsealVaultExportParameters): Promise<UnsealedVaultExport> {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw new VaultExportError("NotAnExport", "The file is not a Pekanu vault export.");
  }
  const format = (file as { format?: unknown } | null)?.format;
  if (format === EXPORT_FORMAT) return { json: text, sealed: false };
  if (format !== SEALED_EXPORT_FORMAT) throw new VaultExportError("NotAnExport", "The file is not a Pekanu vault export.");
  const parsed = envelopeSchema.safeParse(file);
  if (!parsed.success) throw new VaultExportError("Damaged", "The sealed export is damaged: its fields are not readable.");
  const { version, kdf, cipher, ciphertext } = parsed.data;
  if (version > SEALED_EXPORT_VERSION || cipher !== "pekanu-encryption-v1" || kdf.name !== "scrypt") {
    throw new VaultExportError("UnsupportedFormat", "The export was sealed by a newer Pekanu. Update the extension first.");
  }
  if (passphrase === undefined || passphrase.length === 0) throw new VaultExportError("PassphraseRequired", "This export is protected: enter its passphrase.");
  const key = await passphraseKey({ passphrase, salt: hexToBytes(kdf.salt), N: kdf.N, r: kdf.r, p: kdf.p, onProgress });
  try {
    const plaintext = await decryptBytes({ key, ciphertext: fromBase64(ciphertext) });
    return { json: new TextDecoder("utf-8", { fatal: true }).decode(plaintext), sealed: true };
  } catch (error) {
    if (error instanceof EncryptionError && error.code === "WrongKey") {
      throw new VaultExportError("WrongPassphrase", "Wrong passphrase: the export was not opened and nothing was imported.", { cause: error });
    }
    throw new VaultExportError("Damaged", "The sealed export is damaged or was altered: nothing was imported.", { cause: error });
  }
}
