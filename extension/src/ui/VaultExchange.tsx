// Export and import of the vault: protected by a passphrase (file keys included) unless the person
// explicitly chooses an unprotected file. A wrong passphrase imports nothing.
import { useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import type { ImportAnswer } from "../lib/messages.ts";
import { humanOf, send } from "./background.ts";
import { sealExport, unsealExport } from "./hashing.ts";
import { saveBlob } from "./transfer.ts";

const SEALED_FORMAT = "pekanu-vault-sealed";

export function VaultExchange({ onError, onImported }: { onError: (e: HumanError) => void; onImported: (report: ImportAnswer) => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [confirm, setConfirm] = useState("");
  const [unprotected, setUnprotected] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<"sealed" | "plain" | null>(null);
  const [pendingImport, setPendingImport] = useState<{ name: string; text: string } | null>(null);
  const [importPassphrase, setImportPassphrase] = useState("");
  const [importing, setImporting] = useState(false);
  const [importProblem, setImportProblem] = useState<string | null>(null);

  const mismatch = !unprotected && confirm.length > 0 && confirm !== passphrase;
  const canExport = unprotected || (passphrase.length >= 8 && confirm === passphrase);

  const doExport = async () => {
    setExporting(true);
    setExported(null);
    try {
      // The keys come from the background; the passphrase seals them here, in the page's worker.
      const { json: plain } = await send<{ json: string }>({ type: "vault.export", includeKeys: true });
      const sealed = !unprotected;
      const json = sealed ? await sealExport(plain, passphrase) : plain;
      const date = new Date().toISOString().slice(0, 10);
      saveBlob(new Blob([json], { type: "application/json" }), sealed ? `pekanu-vault-${date}.protected.json` : `pekanu-vault-${date}.UNPROTECTED.json`);
      setExported(sealed ? "sealed" : "plain");
      setPassphrase("");
      setConfirm("");
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setExporting(false);
    }
  };

  const doImport = async (file: { name: string; text: string }, withPassphrase?: string) => {
    setImporting(true);
    setImportProblem(null);
    try {
      // Opened here (scrypt in the page's worker); a wrong passphrase stops before anything is sent.
      let json: string;
      try {
        ({ json } = await unsealExport(file.text, withPassphrase));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "WrongPassphrase") {
          setImportProblem(err instanceof Error ? err.message : String(err));
          return;
        }
        throw err;
      }
      const report = await send<ImportAnswer>({ type: "vault.import", json });
      setPendingImport(null);
      setImportPassphrase("");
      onImported(report);
    } catch (err) {
      const human = humanOf(err);
      // A wrong passphrase is said next to the field (nothing was imported); the rest as usual.
      if (human.code === "ImportWrongPassphrase") setImportProblem(human.message);
      else onError(human);
    } finally {
      setImporting(false);
    }
  };

  const chooseImport = async (file: File) => {
    const text = await file.text();
    let sealed = false;
    try {
      sealed = (JSON.parse(text) as { format?: unknown }).format === SEALED_FORMAT;
    } catch {
      sealed = false;
    }
    if (sealed) {
      setPendingImport({ name: file.name, text });
      setImportProblem(null);
    } else await doImport({ name: file.name, text });
  };

  return (
    <div data-testid="vault-exchange">
      <details className="exchange" data-testid="vault-export-section">
        <summary>Export your vault (receipts and file keys)</summary>
        <p className="muted">Your encrypted files can only be read with the keys kept here. Keep an export somewhere safe: without the keys, the files are lost.</p>
        {!unprotected ? (
          <div className="row">
            <input type="password" aria-label="Passphrase for the export" placeholder="Passphrase (8+ characters)" autoComplete="new-password" data-testid="vault-export-passphrase" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
            <input type="password" aria-label="Repeat the passphrase" placeholder="Repeat it" autoComplete="new-password" data-testid="vault-export-confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
          </div>
        ) : null}
        {mismatch ? <div className="bad" data-testid="vault-export-mismatch">The two passphrases differ.</div> : null}
        <label className="check">
          <input type="checkbox" data-testid="vault-export-unprotected" checked={unprotected} onChange={(e) => setUnprotected(e.target.checked)} />
          <span>Export without a passphrase — anyone who gets the file can read all your files</span>
        </label>
        <div className="row">
          <button className={unprotected ? "danger" : ""} data-testid="vault-export" disabled={!canExport || exporting} onClick={doExport}>
            {exporting ? "Exporting…" : unprotected ? "Export unprotected" : "Export protected"}
          </button>
          {exported ? (
            <span className={exported === "sealed" ? "ok" : "warn"} data-testid="vault-export-done" data-sealed={String(exported === "sealed")}>
              {exported === "sealed" ? "Saved, protected by your passphrase. Without it the export cannot be opened." : "Saved unprotected: keep that file private."}
            </span>
          ) : null}
        </div>
      </details>
      <div className="row" style={{ marginTop: 8 }}>
        <label className="check">
          <span className="muted">Import:</span>
          <input type="file" aria-label="Import receipts from a file" accept="application/json,.json" data-testid="vault-import-input" disabled={importing} onChange={(e) => e.target.files?.[0] && void chooseImport(e.target.files[0])} />
        </label>
      </div>
      {pendingImport ? (
        <div className="banner info" data-testid="vault-import-unlock">
          <div>“{pendingImport.name}” is protected. Enter its passphrase to import it.</div>
          <div className="row">
            <input
              type="password"
              aria-label="Passphrase of the export"
              autoComplete="current-password"
              data-testid="vault-import-passphrase"
              value={importPassphrase}
              onChange={(e) => setImportPassphrase(e.target.value)}
              onKeyDown={(e) => e.key === "Enter" && importPassphrase && void doImport(pendingImport, importPassphrase)}
            />
            <button data-testid="vault-import-open" disabled={!importPassphrase || importing} onClick={() => doImport(pendingImport, importPassphrase)}>
              {importing ? "Opening…" : "Open and import"}
            </button>
            <button className="secondary" data-testid="vault-import-cancel" onClick={() => setPendingImport(null)}>
              Cancel
            </button>
          </div>
          {importProblem ? (
            <div className="bad" role="alert" data-testid="vault-import-problem">
              {importProblem}
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
