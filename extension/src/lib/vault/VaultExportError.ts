/** Machine-readable reason of a {@link VaultExportError}. */
export type VaultExportErrorCode =
  /** The export is sealed and no passphrase was given: ask for it. */
  | "PassphraseRequired"
  /** The passphrase does not open the export (nothing was imported). */
  | "WrongPassphrase"
  /** An empty passphrase when sealing. */
  | "EmptyPassphrase"
  /** Not a Pekanu vault export, sealed or not. */
  | "NotAnExport"
  /** A sealed export from a newer version, or with a key derivation this version does not run. */
  | "UnsupportedFormat"
  /** Key-derivation parameters outside the accepted range (too weak, or too costly to run). */
  | "UnsafeKdfParameters"
  /** The sealed export was altered or damaged (the right passphrase, but it does not authenticate). */
  | "Damaged";

/** The error of sealing or opening a vault export; `message` is a sentence for the person. */
export class VaultExportError extends Error {
  override readonly name = "VaultExportError";
  readonly code: VaultExportErrorCode;
  constructor(code: VaultExportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
