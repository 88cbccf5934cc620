// Settings: the wallet's extension id (any wallet speaking MetaMask's external-extension protocol),
// the default storage period, and how the watchtower checks the stored files (ui/WatchSettings).
import { useEffect, useState } from "react";
import { EXTENSION_ID_PATTERN, METAMASK_EXTENSION_ID } from "./lib/settings.ts";
import { humanOf, send, useFirstRenderMark, useView } from "./ui/background.ts";
import "./ui/style.css";
import { watchFormOf, watchPatchOf, type WatchForm } from "./lib/watch/watchForm.ts";
import { WatchSettings } from "./ui/WatchSettings.tsx";

function Options() {
  useFirstRenderMark("Pekanu settings");
  const view = useView();
  const [walletId, setWalletId] = useState("");
  const [days, setDays] = useState(30);
  const [status, setStatus] = useState<{ kind: "ok" | "bad"; text: string } | null>(null);
  const [watch, setWatch] = useState<WatchForm | null>(null);
  // Filled once from the saved settings: clearing the field while typing leaves it empty.
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    if (view && !loaded) {
      setLoaded(true);
      setWalletId(view.settings.walletExtensionId);
      setDays(view.settings.defaultStorageDays);
      setWatch(watchFormOf(view.settings));
    }
  }, [view, loaded]);
  const valid = EXTENSION_ID_PATTERN.test(walletId);
  const save = async () => {
    try {
      const checked = watch ? watchPatchOf(watch) : null;
      if (checked && "problem" in checked) {
        setStatus({ kind: "bad", text: checked.problem });
        return;
      }
      await send({ type: "settings.set", walletExtensionId: walletId, defaultStorageDays: days, ...(checked ? checked.patch : {}) });
      setStatus({ kind: "ok", text: "Saved. The wallet connection was restarted with the new id." });
    } catch (err) {
      setStatus({ kind: "bad", text: humanOf(err).message });
    }
  };
  return (
    <main className="app" data-testid="options" style={{ maxWidth: 640 }}>
      <div className="header">
        <h1>Pekanu settings</h1>
      </div>
      <div className="card">
        <h2>Wallet</h2>
        <p className="muted">
          Pekanu talks to your wallet extension by its id, with MetaMask's external-extension protocol. MetaMask is <code>{METAMASK_EXTENSION_ID}</code>. Pekanu never sees your private key.
        </p>
        <label htmlFor="settings-wallet-id">Wallet extension id</label>
        <div className="row">
          <input
            id="settings-wallet-id"
            type="text"
            className="grow mono"
            aria-describedby="settings-wallet-id-help"
            data-testid="settings-wallet-id"
            value={walletId}
            spellCheck={false}
            onChange={(e) => setWalletId(e.target.value.trim())}
            aria-invalid={!valid}
          />
          <button className="secondary" data-testid="settings-wallet-metamask" onClick={() => setWalletId(METAMASK_EXTENSION_ID)}>
            MetaMask
          </button>
        </div>
        <div id="settings-wallet-id-help" className={valid ? "muted" : "bad"} data-testid={valid ? undefined : "settings-wallet-id-invalid"} role={valid ? undefined : "alert"}>
          {valid ? "32 letters a–p, shown on the wallet's page in chrome://extensions." : walletId ? "An extension id is 32 letters a–p." : "Enter your wallet's extension id (32 letters a–p), or choose MetaMask."}
        </div>
        <div data-testid="settings-wallet-status" className="muted" style={{ marginTop: 6 }}>
          Wallet status: {view?.wallet.status ?? "…"}
          {view?.wallet.account ? ` · ${view.wallet.account}` : ""}
        </div>
        <h2 style={{ marginTop: 14 }}>Storage</h2>
        <label className="row" htmlFor="settings-storage-days">
          Default storage period (days)
          <input id="settings-storage-days" type="number" min={1} max={36500} data-testid="settings-storage-days" value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </label>
        {watch ? <WatchSettings form={watch} onChange={setWatch} /> : null}
        <div className="row" style={{ marginTop: 12 }}>
          <button data-testid="settings-save" disabled={!valid || !(days >= 1)} onClick={save}>
            Save
          </button>
          {status ? (
            <span className={status.kind} data-testid="settings-status">
              {status.text}
            </span>
          ) : null}
        </div>
      </div>
    </main>
  );
}

export default Options;
