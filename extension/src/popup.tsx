// The toolbar popup: status and the next action; the work happens in the full page.
import { formatBytes, formatEth, shortHex } from "./lib/format.ts";
import { openApp, useFirstRenderMark, useView } from "./ui/background.ts";
import { chainName, stepLabels } from "./ui/labels.ts";
import "./ui/style.css";

function Popup() {
  useFirstRenderMark();
  const view = useView();
  if (!view) {
    return (
      <div className="popup" data-testid="popup">
        <h1>Pekanu</h1>
        <p className="muted" data-testid="popup-loading">Loading…</p>
      </div>
    );
  }
  const { flow, wallet } = view;
  const order = flow.order;
  return (
    <div className="popup" data-testid="popup" data-step={view.step}>
      <div className="row" style={{ marginBottom: 8 }}>
        <h1 className="grow">Pekanu</h1>
        <button className="secondary" data-testid="popup-open-settings" onClick={() => chrome.runtime.openOptionsPage()}>
          Settings
        </button>
      </div>
      <div className="card">
        <div data-testid="popup-wallet" data-status={wallet.status}>
          Wallet:{" "}
          {wallet.status === "ready" ? (
            <>
              <code>{shortHex(wallet.account)}</code> on {chainName(wallet.chainId)}
            </>
          ) : wallet.status === "missing" ? (
            <span className="bad">not found</span>
          ) : wallet.status === "locked" ? (
            <span className="warn">locked / not connected</span>
          ) : (
            <span className="muted">checking…</span>
          )}
        </div>
        <div data-testid="popup-provider">
          Provider: {flow.provider ? <code>{flow.provider.url}</code> : <span className="muted">none</span>}
        </div>
        {view.chainOk === false ? (
          <div className="warn" data-testid="popup-wrong-chain">
            Wrong network: the provider is on {chainName(flow.provider?.info.chainId ?? null)}.
          </div>
        ) : null}
      </div>
      <div className="card current">
        <div className="muted" data-testid="popup-step" data-step={view.step}>
          {stepLabels[view.step]}
        </div>
        <div data-testid="popup-next">{view.next}</div>
        {order ? (
          <div className="muted" data-testid="popup-order" style={{ marginTop: 4 }}>
            {order.file.name} ({formatBytes(order.file.size)})
            {order.quote ? ` · ${formatEth(order.quote.quote.price)} ETH` : ""}
            {order.upload?.status === "uploading" ? ` · uploading ${Math.round((order.upload.sent / Math.max(1, order.upload.total)) * 100)} %` : ""}
          </div>
        ) : null}
        {view.busy ? (
          <div className="muted" data-testid="popup-busy">
            {view.busy}
          </div>
        ) : null}
      </div>
      {flow.error ? (
        <div className="banner error" data-testid="popup-error" data-code={flow.error.code}>
          <strong>{flow.error.title}</strong>
          <div>{flow.error.message}</div>
        </div>
      ) : null}
      <div className="row">
        <button className="grow" data-testid="popup-open-app" onClick={() => openApp()}>
          Open Pekanu
        </button>
        <button className="secondary" data-testid="popup-open-vault" onClick={() => openApp("#vault")}>
          Vault ({view.vault.count})
        </button>
      </div>
    </div>
  );
}

export default Popup;
