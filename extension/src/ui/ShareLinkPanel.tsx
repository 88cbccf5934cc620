// Share one encrypted file: a link carrying the key (after #, never sent to a server) and the
// owner's signed permission to download. It cannot be revoked: the UI says so before and after.
import { useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import { formatDate } from "../lib/fileStatus.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { humanOf, send } from "./background.ts";

export function ShareLinkPanel({ record, onError }: { record: VaultRecord; onError: (e: HumanError) => void }) {
  const [link, setLink] = useState<{ link: string; expiresAt: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const until = formatDate(Number(record.quote.storageUntil) * 1000);
  const make = async () => {
    setBusy(true);
    try {
      setLink(await send<{ link: string; expiresAt: number }>({ type: "vault.shareLink", key: record.key }));
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="banner info" data-testid="share">
      {link ? (
        <>
          <div>Anyone with this link can download and read this file until {until}. It cannot be revoked.</div>
          <div className="row">
            <input type="text" readOnly className="grow" aria-label="Share link" data-testid="share-link" value={link.link} onFocus={(e) => e.currentTarget.select()} />
            <button className="secondary" data-testid="share-copy" onClick={() => void navigator.clipboard.writeText(link.link).catch(() => undefined)}>
              Copy
            </button>
          </div>
          <div className="muted">The recipient opens it with the Pekanu extension (“Open a shared link”).</div>
        </>
      ) : (
        <div className="row">
          <span className="grow">Share this file: a link lets anyone who has it download and read it until {until}. A link cannot be revoked.</span>
          <button className="secondary" data-testid="share-create" disabled={busy || !record.encryption?.key || !record.link} onClick={make}>
            {busy ? "Sign in your wallet…" : "Create share link"}
          </button>
        </div>
      )}
    </div>
  );
}
