// The full page (tabs/app.html): the files home (default), storing a file, a file's details and
// the receipts list, credits. A thin view: it renders the background's view and sends requests.
import { useCallback, useEffect, useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import { formatEth, shortHex } from "../lib/format.ts";
import { ErrorBanner } from "../ui/components.tsx";
import { humanOf, send, useFirstRenderMark, useView } from "../ui/background.ts";
import { FilesHome } from "../ui/FilesHome.tsx";
import { FlowPanel } from "../ui/FlowPanel.tsx";
import { BatchQueue } from "../ui/BatchQueue.tsx";
import { DropZone } from "../ui/DropZone.tsx";
import { chainName, stepLabels, stepOrder } from "../ui/labels.ts";
import { VaultPanel } from "../ui/VaultPanel.tsx";
import { useActionFocus } from "../ui/useActionFocus.ts";
import { CreditSources } from "../ui/CreditSources.tsx";
import { ComputePanel } from "../ui/ComputePanel.tsx";
import "../ui/style.css";
import { useBusy } from "../ui/useBusy.ts";

type Tab = "files" | "flow" | "vault" | "credits" | "compute";

function tabFromHash(): { tab: Tab; key: string | null } {
  const hash = location.hash.replace(/^#/, "");
  if (hash.startsWith("vault")) {
    const key = hash.slice("vault".length).replace(/^\//, "").replace(/\?.*$/, "");
    return { tab: "vault", key: key ? decodeURIComponent(key) : null };
  }
  if (hash === "credits") return { tab: "credits", key: null };
  if (hash === "compute") return { tab: "compute", key: null };
  if (hash === "store") return { tab: "flow", key: null };
  return { tab: "files", key: null };
}

function App() {
  useFirstRenderMark("Pekanu — files");
  useActionFocus();
  const view = useView();
  const [{ tab, key }, setLocation] = useState(tabFromHash);
  const [localError, setLocalError] = useState<HumanError | null>(null);
  /** A matrix converted on the Compute screen, on its way to the store flow. */
  const [incomingFile, setIncomingFile] = useState<File | null>(null);
  useEffect(() => {
    const onHash = () => setLocation(tabFromHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const go = (next: Tab, recordKey: string | null = null) => {
    location.hash = next === "files" ? "" : next === "flow" ? "store" : next === "vault" && recordKey ? `vault/${encodeURIComponent(recordKey)}` : next;
    setLocation({ tab: next, key: recordKey });
  };
  const onError = useCallback((e: HumanError) => setLocalError(e), []);

  if (!view) {
    // The vault does not wait for the background's view: its list is its own request.
    return (
      <div className="app" data-testid="app">
        <div className="header">
          <h1>Pekanu</h1>
        </div>
        {tab === "vault" ? (
          <VaultPanel view={null} onError={onError} selectedKey={key} setSelectedKey={(k) => go("vault", k)} />
        ) : (
          <p className="muted" data-testid="app-loading">
            Loading…
          </p>
        )}
      </div>
    );
  }

  const error = localError ?? view.flow.error;
  const dismiss = () => {
    setLocalError(null);
    if (view.flow.error) void send({ type: "error.dismiss" }).catch(() => undefined);
  };
  const act = async (action: HumanError["action"]) => {
    try {
      switch (action) {
        case "switchChain":
          await send({ type: "wallet.switchChain" });
          break;
        case "unlockWallet":
        case "openWallet":
          await send({ type: "wallet.connect" });
          break;
        case "installWallet":
          chrome.runtime.openOptionsPage();
          break;
        case "signIn":
          await send({ type: "auth.signIn" });
          break;
        case "newQuote":
          await send({ type: "order.quote" });
          break;
        case "penalty": {
          go("vault");
          break;
        }
        case "retry":
          await send({ type: "order.refresh" });
          break;
        default:
          break;
      }
      dismiss();
    } catch (err) {
      setLocalError(humanOf(err));
    }
  };

  const { wallet } = view;
  const currentIndex = stepOrder.indexOf(view.step === "receiptInvalid" ? "verifyReceipt" : view.step);
  return (
    <div className="app" data-testid="app" data-step={view.step}>
      <div className="header">
        <img src={chrome.runtime.getURL(chrome.runtime.getManifest().icons?.["48"] ?? "")} alt="" />
        <h1>Pekanu</h1>
        <nav className="tabs" aria-label="Sections">
          <button className={tab === "files" ? "active" : ""} aria-current={tab === "files" ? "page" : undefined} data-testid="tab-files" onClick={() => go("files")}>
            Files
          </button>
          <button className={tab === "flow" ? "active" : ""} aria-current={tab === "flow" ? "page" : undefined} data-testid="tab-flow" onClick={() => go("flow")}>
            Store a file
          </button>
          <button className={tab === "vault" ? "active" : ""} aria-current={tab === "vault" ? "page" : undefined} data-testid="tab-vault" onClick={() => go("vault")}>
            Receipts ({view.vault.count})
          </button>
          <button className={tab === "compute" ? "active" : ""} aria-current={tab === "compute" ? "page" : undefined} data-testid="tab-compute" onClick={() => go("compute")}>
            Compute
          </button>
          <button className={tab === "credits" ? "active" : ""} aria-current={tab === "credits" ? "page" : undefined} data-testid="tab-credits" onClick={() => go("credits")}>
            Credits
          </button>
          <a className="tab-link" data-testid="open-shared-link" href={chrome.runtime.getURL("tabs/share.html")} target="_blank" rel="noreferrer">
            Open a shared link
          </a>
        </nav>
        <div className="grow" />
        <div data-testid="wallet-status" data-status={wallet.status} data-account={wallet.account ?? ""} data-chain-id={wallet.chainId ?? ""}>
          {wallet.status === "ready" ? (
            <>
              <code>{shortHex(wallet.account)}</code> · {chainName(wallet.chainId)}
            </>
          ) : wallet.status === "missing" ? (
            <span className="bad">Wallet not found</span>
          ) : wallet.status === "locked" ? (
            <span className="warn">Wallet locked</span>
          ) : (
            <span className="muted">Wallet…</span>
          )}{" "}
          {wallet.status !== "ready" ? (
            <button className="secondary" data-testid="wallet-connect" onClick={() => void send({ type: "wallet.connect" }).catch((e) => setLocalError(humanOf(e)))}>
              Connect wallet
            </button>
          ) : null}
        </div>
        <button className="secondary" data-testid="open-settings" onClick={() => chrome.runtime.openOptionsPage()}>
          Settings
        </button>
      </div>

      {error ? <ErrorBanner error={error} onAction={act} onDismiss={dismiss} /> : null}
      {view.busy ? (
        <div className="banner info" data-testid="busy-status">
          {view.busy}
        </div>
      ) : null}

      {tab === "files" ? (
        <FilesHome
          view={view}
          onError={onError}
          openDetails={(k) => go("vault", k)}
          openStore={(orderId) => {
            if (orderId) void send({ type: "order.select", orderId }).catch((e) => setLocalError(humanOf(e)));
            go("flow");
          }}
        />
      ) : null}
      {tab === "flow" ? (
        <>
          <ol className="steps" data-testid="steps" aria-label="Progress">
            {stepOrder.map((s, i) => (
              <li key={s} className={i < currentIndex ? "done" : i === currentIndex ? "current" : ""} data-testid={`step-${s}`} data-state={i < currentIndex ? "done" : i === currentIndex ? "current" : "todo"}>
                {stepLabels[s]}
              </li>
            ))}
          </ol>
          <div className="banner info" data-testid="next-action" data-step={view.step}>
            <strong>Next:</strong> {view.next}
          </div>
          <FlowPanel view={view} onError={onError} openVault={(k) => go("vault", k ?? null)} incomingFile={incomingFile} takeIncomingFile={() => setIncomingFile(null)} />
          <DropZone view={view} onError={onError} />
          <BatchQueue view={view} onError={onError} />
        </>
      ) : null}
      {tab === "vault" ? <VaultPanel view={view} onError={onError} selectedKey={key} setSelectedKey={(k) => go("vault", k)} /> : null}
      {tab === "credits" ? <Credits view={view} onError={onError} /> : null}
      {tab === "compute" ? (
        <ComputePanel
          view={view}
          onError={onError}
          storeFile={(file) => {
            setIncomingFile(file);
            go("flow");
          }}
        />
      ) : null}
    </div>
  );
}

function Credits({ view, onError }: { view: Parameters<typeof FlowPanel>[0]["view"]; onError: (e: HumanError) => void }) {
  const [tx, setTx] = useState<string | null>(null);
  const { pending, run } = useBusy(onError);
  useEffect(() => {
    if (view.flow.provider) void send({ type: "credits.read" }).catch(() => undefined);
  }, [view.flow.provider]);
  const amount = view.credits ? BigInt(view.credits.amount) : null;
  return (
    <div className="card" data-testid="credits">
      <h2>Credits</h2>
      <p className="muted">Refunds, penalties and returned deposits are kept for you by the provider's contract until you withdraw them to your account (one transaction from your wallet).</p>
      {!view.flow.provider ? <p>Connect a provider first.</p> : null}
      <div className="row">
        <span data-testid="credits-amount" data-wei={view.credits?.amount ?? ""}>
          {amount === null ? "—" : `${formatEth(amount)} ETH`}
        </span>
        <button className="secondary" data-testid="credits-refresh" disabled={pending || !view.flow.provider} onClick={() => run(async () => void (await send({ type: "credits.read" })))}>
          Refresh
        </button>
        <button data-testid="credits-withdraw" disabled={pending || !amount} onClick={() => run(async () => setTx(await send<string>({ type: "credits.withdraw" })))}>
          Withdraw
        </button>
      </div>
      <CreditSources version={view.vault.version} />
      {view.compute.credits && BigInt(view.compute.credits.amount) > 0n ? (
        <p data-testid="credits-compute" data-wei={view.compute.credits.amount}>
          Computing credits (refunds and fines for wrong results): {formatEth(view.compute.credits.amount)} ETH —{" "}
          <a href="#compute">withdraw them on the Compute screen</a>.
        </p>
      ) : null}
      {tx ? (
        <p data-testid="credits-withdraw-tx">
          Withdrawal sent: <code>{tx}</code>. The amount reaches your account when the transaction is mined.
        </p>
      ) : null}
    </div>
  );
}

export default App;
