// Opening a shared link (tabs/share.html): paste the link someone sent (or arrive with it after
// #link=), the file is downloaded with the link's permission, checked part by part against the root
// the link names, decrypted on the way to disk, and only then saved. The key never leaves this page's
// worker; the provider sees the link without its #fragment.
import { parseShareLink, ShareLinkError, type ShareLink } from "@pekanu/protocol";
import { useEffect, useState } from "react";
import { formatBytes } from "../lib/format.ts";
import { Progress } from "../ui/components.tsx";
import { decryptToFile, removeDecrypted, sweepDecrypted } from "../ui/hashing.ts";
import { saveBlob } from "../ui/transfer.ts";
import "../ui/style.css";

type State =
  | { kind: "idle" }
  | { kind: "running"; received: number; share: ShareLink }
  | { kind: "ok"; size: number; share: ShareLink; ms: number }
  | { kind: "bad"; message: string };

function linkFromHash(): string {
  const hash = location.hash.replace(/^#/, "");
  return hash.startsWith("link=") ? decodeURIComponent(hash.slice("link=".length)) : "";
}

function SharePage() {
  const [text, setText] = useState(linkFromHash);
  const [state, setState] = useState<State>({ kind: "idle" });
  useEffect(() => {
    document.title = "Pekanu — open a shared file";
    performance.mark("pekanu:first-render");
    void sweepDecrypted();
  }, []);

  const open = async () => {
    let share: ShareLink;
    try {
      share = parseShareLink(text);
    } catch (err) {
      setState({ kind: "bad", message: err instanceof ShareLinkError ? err.message : String(err) });
      return;
    }
    try {
      // Permission to talk to this provider, asked at this click (the link names it).
      const origins = [`${new URL(share.downloadUrl).origin}/*`];
      if (!(await chrome.permissions.contains({ origins })) && !(await chrome.permissions.request({ origins }))) {
        setState({ kind: "bad", message: `Pekanu needs your permission to download from ${new URL(share.downloadUrl).origin}.` });
        return;
      }
      setState({ kind: "running", received: 0, share });
      const { file, name, ms } = await decryptToFile({ url: share.downloadUrl, token: null, key: share.key, expectedRoot: share.fileRoot }, (received) =>
        setState({ kind: "running", received, share }),
      );
      saveBlob(file, share.fileName || `${share.fileRoot.slice(0, 18)}.bin`);
      setState({ kind: "ok", size: file.size, share, ms });
      setTimeout(() => void removeDecrypted(name), 60_000);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      setState({ kind: "bad", message: /\b403\b/.test(message) ? "The provider no longer serves this file with this link (it expired, or the owner's storage ended)." : message });
    }
  };

  return (
    <div className="app" data-testid="share-page">
      <div className="header">
        <h1>Pekanu — open a shared file</h1>
      </div>
      <div className="card current">
        <h2>Shared link</h2>
        <p className="muted">Paste the link you were sent. The file is checked and decrypted in this browser, then saved to your downloads.</p>
        <div className="row">
          <input type="url" className="grow" aria-label="Shared link" placeholder="https://…/v1/files/0x…?share=…#k=…" data-testid="share-input" value={text} onChange={(e) => setText(e.target.value)} />
          <button data-testid="share-open" disabled={!text || state.kind === "running"} onClick={open}>
            Download
          </button>
        </div>
        <div data-testid="share-status" data-state={state.kind}>
          {state.kind === "running" ? (
            <>
              Downloading and decrypting {state.share.fileName ?? "the file"}… {formatBytes(state.received)}
              <Progress value={state.received} total={Math.max(state.received, 1)} testid="share-progress" />
            </>
          ) : state.kind === "ok" ? (
            <div className="ok">
              Saved “{state.share.fileName ?? "file"}” ({formatBytes(state.size)}): every part was checked against the link and decrypted.
            </div>
          ) : state.kind === "bad" ? (
            <div className="bad" role="alert">
              {state.message} Nothing was saved.
            </div>
          ) : null}
        </div>
        {state.kind === "ok" ? (
          <details data-testid="share-details">
            <summary>Details</summary>
            <dl className="kv">
              <dt>Root</dt>
              <dd>
                <code data-testid="share-root">{state.share.fileRoot}</code>
              </dd>
              <dt>From</dt>
              <dd>
                <code>{new URL(state.share.downloadUrl).origin}</code>
              </dd>
            </dl>
          </details>
        ) : null}
      </div>
    </div>
  );
}

export default SharePage;
