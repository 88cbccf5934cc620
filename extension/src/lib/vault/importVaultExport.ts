import type { Vault } from "./db.ts";
import { verifyImport, type ImportOptions, type ImportReport, type SignerSource } from "./exchange.ts";
import { unsealVaultExport } from "./unsealVaultExport.ts";

export type ImportVaultExportParameters = {
  vault: Vault;
  /** The export file's text, sealed or plaintext. */
  text: string;
  /** The passphrase of a sealed export. */
  passphrase?: string | undefined;
  /** Where each contract's signer comes from (σ is verified against it). */
  signers: SignerSource;
  options?: ImportOptions | undefined;
  onProgress?: ((fraction: number) => void) | undefined;
};

/**
 * The whole import: open the export (passphrase for a sealed one), verify every σ, then merge the
 * accepted records — keys included — into the vault in one transaction. Any failure before the save
 * (wrong passphrase, damaged file, not an export) leaves the vault exactly as it was.
 *
 * @throws {VaultExportError} from `unsealVaultExport`; `Error` from `verifyImport` for an unreadable export.
 * @example
 * const report = await importVaultExport({ vault, text, passphrase, signers })
 */
export async function importVaultExport({ vault, text, passphrase, signers, options, onProgress }: ImportVaultExportParameters): Promise<ImportReport & { sealed: boolean }> {
  const { json, sealed } = await unsealVaultExport({ text, passphrase, onProgress });
  const report = await verifyImport(json, signers, options);
  const { added, merged } = await vault.saveMany(report.records);
  return { ...report, added, merged, sealed };
}
