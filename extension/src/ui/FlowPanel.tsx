// The client's steps in the full page: connect → sign in → register → file → quote → pay →
// confirmations → upload → σ. Renders the background's view; file bytes stay in this page.
import { useEffect, useRef, useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import type { FlowState } from "../lib/flow.ts";
import { formatBytes, formatDuration, formatEth, formatTime, relativeTime, shortHex } from "../lib/format.ts";
import type { UploadTarget, View } from "../lib/messages.ts";
import { normalizeProviderUrl } from "../lib/url.ts";
import { recordKey } from "../lib/vault/schema.ts";
import { Badge, Eth, Field, Progress } from "./components.tsx";
import { humanOf, send } from "./background.ts";
import { proveEncryptedFile, proveFile } from "./hashing.ts";
import { EncryptionChoice } from "./EncryptionChoice.tsx";
import { prepareFile, type EncryptionChoiceMode } from "./prepareFile.ts";
import { ciphertextSource } from "../lib/encryption/ciphertextSource.ts";
import { hexToBytes } from "viem";
import { DEFAULT_SEGMENT_SIZE } from "@pekanu/protocol/encryption";
import { fileTooLarge } from "../lib/fileTooLarge.ts";
import { largestFile } from "../lib/largestFile.ts";
import { largestFileLine } from "../lib/largestFileLine.ts";
import { chainName } from "./labels.ts";
import { uploadFile } from "./transfer.ts";
import { resumableUpload, uploadRate } from "../lib/resumableUpload.ts";
import { PAGE_LEASE_ID } from "./lease.ts";

type Props = {
  view: View;
  /** How the next file is stored (the file card's choice): the provider card states the largest file for it. */
  protection?: EncryptionChoiceMode;
  onError: (e: HumanError) => void;
  openVault: (key?: string) => void;
  /** A file handed over by another screen (the Compute screen's converted matrix): chosen as if picked here. */
  incomingFile?: File | null;
  takeIncomingFile?: () => void;
};

/** Runs a request, reporting failures as HumanErrors (the background also records flow errors). */
function useAction(onError: (e: HumanError) => void) {
  const [pending, setPending] = useState<string | null>(null);
  const run = async (name: string, work: () => Promise<unknown>) => {
    setPending(name);
    try {
      await work();
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setPending(null);
    }
  };
  return { pending, run };
}

export function ProviderCard({ view, onError, protection = "private" }: Props) {
  const { flow, contract } = view;
  const [url, setUrl] = useState(flow.provider?.url ?? "");
  const { pending, run } = useAction(onError);
  const connect = () =>
    run("connect", async () => {
      let origin: string;
      try {
        origin = normalizeProviderUrl(url).origin;
      } catch (err) {
        onError(humanOf(err));
        return;
      }
      // Host access only for the provider the person connects, requested at this click.
      const granted = await chrome.permissions.request({ origins: [`${origin}/*`] });
      if (!granted) {
        onError({ code: "HostPermissionDenied", title: "Permission needed", message: `Pekanu needs your permission to talk to ${origin}.`, action: "reconnect" });
        return;
      }
      await send({ type: "provider.connect", url });
    });
  const info = flow.provider?.info;
  return (
    <div className={`card ${flow.provider ? "done" : "current"}`} data-testid="card-provider">
      <h2>Storage provider</h2>
      <div className="row">
        <label htmlFor="provider-url" className="sr-only">
          Provider address
        </label>
        <input
          id="provider-url"
          type="url"
          className="grow"
          aria-label="Provider address"
          placeholder="https://storage.example.com"
          data-testid="provider-url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && url && void connect()}
        />
        <button data-testid="provider-connect" disabled={!url || pending !== null} onClick={connect}>
          {flow.provider ? "Reconnect" : "Connect"}
        </button>
        {flow.provider ? (
          <button className="secondary" data-testid="provider-forget" onClick={() => run("forget", () => send({ type: "provider.forget" }))}>
            Forget
          </button>
        ) : null}
      </div>
      {info ? (
        <dl className="kv" data-testid="provider-info">
          <Field label="Provider" testid="provider-info-url">
            <code>{flow.provider!.url}</code> <span className="muted">v{info.version}</span>
          </Field>
          <Field label="Contract" testid="provider-contract">
            <code>{info.contract.address}</code>
          </Field>
          <Field label="Chain" testid="provider-chain" >
            {chainName(info.chainId)}{" "}
            {view.chainOk === false ? <Badge kind="bad" testid="provider-chain-status">your wallet is on {chainName(view.wallet.chainId)}</Badge> : view.chainOk ? <Badge kind="ok" testid="provider-chain-status">wallet on this network</Badge> : null}
          </Field>
          <Field label="Signer" testid="provider-signer">
            <code>{contract?.signer ?? info.signer}</code>{" "}
            {contract ? (
              contract.signerMatchesInfo ? (
                <Badge kind="ok" testid="provider-signer-check">read on chain</Badge>
              ) : (
                <Badge kind="bad" testid="provider-signer-check">differs from the provider's claim</Badge>
              )
            ) : (
              <Badge kind="warn" testid="provider-signer-check">not yet read on chain</Badge>
            )}
          </Field>
          <Field label="Price" testid="provider-price">
            {formatEth(info.pricing.weiPerMiBDay)} ETH per MiB per day (minimum {formatEth(info.pricing.minPrice)} ETH)
          </Field>
          <Field label="Fine" testid="provider-fine">
            {info.pricing.fineMultiplier} × the price, locked from the provider's stake when you pay
          </Field>
          <Field label="Storage period" testid="provider-days">
            {info.pricing.minStorageDays}–{info.pricing.maxStorageDays} days,{" "}
            <span data-testid="provider-largest-file" data-protection={protection} data-largest={largestFile({ maxFileSize: info.pricing.maxFileSize, encryption: protection === "none" ? null : { segmentSize: DEFAULT_SEGMENT_SIZE } })}>
              {largestFileLine({ maxFileSize: info.pricing.maxFileSize, protection })}
            </span>
          </Field>
          <Field label="Answer window" testid="provider-window">
            {formatDuration((contract?.params ?? info.params).responseWindow)} · challenge bond <Eth wei={(contract?.params ?? info.params).challengeBond} testid="provider-bond" />
          </Field>
          <Field label="Registration" testid="provider-registration-policy">
            {info.registration.policy}
          </Field>
        </dl>
      ) : (
        <p className="muted">Enter the address of the storage provider you want to use. Pekanu will ask your permission to talk to it.</p>
      )}
      {view.chainOk === false && info ? (
        <div className="banner warn" data-testid="wrong-chain">
          Your wallet is on {chainName(view.wallet.chainId)}, the provider's contract is on {chainName(info.chainId)}.{" "}
          <button data-testid="wallet-switch-chain" onClick={() => run("switch", () => send({ type: "wallet.switchChain" }))}>
            Switch network
          </button>
        </div>
      ) : null}
    </div>
  );
}

function AccountCard({ view, onError }: Props) {
  const { flow } = view;
  const { pending, run } = useAction(onError);
  const session = flow.session;
  // A registration of another account (the wallet switched accounts) is not this session's.
  const reg = flow.registration && (!session || flow.registration.address.toLowerCase() === session.address.toLowerCase()) ? flow.registration : null;
  const [invite, setInvite] = useState("");
  const sessionValid = session && session.expiresAt > view.now;
  const policy = flow.provider?.info.registration.policy;
  return (
    <div className={`card ${view.step === "signIn" || view.step === "register" || view.step === "registering" ? "current" : ""}`} data-testid="card-account">
      <h2>Your account with the provider</h2>
      <div className="row">
        {sessionValid ? (
          <span data-testid="session-status" data-signed-in="true">
            Signed in as <code>{session.address}</code> <span className="muted">until {formatTime(session.expiresAt)}</span>
          </span>
        ) : (
          <span data-testid="session-status" data-signed-in="false" className="muted">
            Not signed in. Signing in is a free signature in your wallet (Sign-In with Ethereum), not a transaction.
          </span>
        )}
        <button data-testid="auth-sign-in" disabled={pending !== null || !flow.provider} className={sessionValid ? "secondary" : ""} onClick={() => run("signin", () => send({ type: "auth.signIn" }))}>
          {sessionValid ? "Sign in again" : "Sign in with wallet"}
        </button>
      </div>
      {sessionValid ? (
        <>
          <h3>Registration</h3>
          {!reg || reg.status === "failed" ? (
            <div className="row">
              {policy === "invite" ? <input type="text" aria-label="Invite code" placeholder="Invite code" data-testid="registration-invite" value={invite} onChange={(e) => setInvite(e.target.value)} /> : null}
              <button data-testid="registration-request" disabled={pending !== null} onClick={() => run("register", () => send({ type: "registration.request", ...(invite ? { inviteCode: invite } : {}) }))}>
                Request registration
              </button>
              {reg?.failure ? <span className="bad" data-testid="registration-failure">{reg.failure}</span> : null}
            </div>
          ) : (
            <dl className="kv" data-testid="registration">
              <Field label="Transaction" testid="registration-tx">
                {reg.txHash ? <code>{reg.txHash}</code> : <span className="muted">{reg.alreadyRegistered ? "registered earlier (looking up its event)" : "waiting for the provider"}</span>}
              </Field>
              <Field label="Block" testid="registration-block">
                {reg.blockNumber ?? "—"}
              </Field>
              <Field label="Recorded on chain" testid="registration-event">
                {reg.checkedAt ? reg.eventSeen ? <Badge kind="ok">found</Badge> : <Badge kind="warn">not found</Badge> : "—"}
              </Field>
              <Field label="Registered" testid="registration-status" >
                <span data-registered={String(reg.isRegistered)}>
                  {reg.checkedAt ? reg.isRegistered ? <Badge kind="ok">yes</Badge> : <Badge kind="bad">no</Badge> : <span className="muted">checking…</span>}
                </span>
              </Field>
            </dl>
          )}
          {reg && reg.status !== "confirmed" && reg.status !== "failed" ? (
            <button className="secondary" data-testid="registration-check" disabled={pending !== null} onClick={() => run("check", () => send({ type: "registration.check" }))}>
              Check again
            </button>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

/** The selected File lives only in this page (it cannot cross to the background cheaply). */
type LocalFile = { file: File; root: string } | null;

function FileCard({
  view,
  onError,
  localFile,
  setLocalFile,
  incomingFile,
  takeIncomingFile,
  mode,
  setMode,
}: Props & { localFile: LocalFile; setLocalFile: (f: LocalFile) => void; mode: EncryptionChoiceMode; setMode: (mode: EncryptionChoiceMode) => void }) {
  const { flow } = view;
  const order = flow.order;
  const [progress, setProgress] = useState<{ bytes: number; total: number } | null>(null);
  const [days, setDays] = useState(order?.storageDays ?? view.settings.defaultStorageDays);
  const [speed, setSpeed] = useState<string | null>(null);
  const locked = Boolean(order?.payment);
  const info = flow.provider?.info;
  const choose = async (file: File, encryption: EncryptionChoiceMode = mode) => {
    // The provider's limit is on what it stores (the encrypted form is a little larger): refused
    // here, before the file is read, in the same words the background would use.
    const refusal = info
      ? fileTooLarge({ maxFileSize: info.pricing.maxFileSize, name: file.name, plainSize: file.size, encryption: encryption === "none" ? null : { segmentSize: DEFAULT_SEGMENT_SIZE } })
      : null;
    if (refusal) {
      onError(refusal);
      return;
    }
    setProgress({ bytes: 0, total: file.size });
    setSpeed(null);
    try {
      const started = performance.now();
      const result = await prepareFile({ file, encryption, onProgress: (bytes, total) => setProgress({ bytes, total }) });
      const seconds = (performance.now() - started) / 1000;
      const engine = result.engine === "wasm-simd" ? "WebAssembly SIMD" : "TypeScript";
      const threads = `${result.threads} thread${result.threads === 1 ? "" : "s"}`;
      setSpeed(seconds > 0 ? `${formatBytes(file.size / seconds)}/s (${engine}, ${threads})` : null);
      setLocalFile({ file, root: result.meta.fileRoot });
      await send({ type: "order.fileCommitted", file: result.meta, storageDays: days });
    } catch (err) {
      onError(humanOf(err));
    }
  };
  useEffect(() => {
    // A matrix converted on the Compute screen: stored like a file picked here (unencrypted: the provider computes on it).
    if (!incomingFile || locked) return;
    takeIncomingFile?.();
    setMode("none");
    void choose(incomingFile, "none");
  }, [incomingFile, locked]);
  return (
    <div className={`card ${view.step === "chooseFile" ? "current" : ""}`} data-testid="card-file">
      <h2>File</h2>
      <div className="row">
        <input type="file" aria-label="File to store" data-testid="file-input" disabled={locked} onChange={(e) => {
            const chosen = e.target.files?.[0];
            e.target.value = ""; // the same file can be chosen again (a second order of it)
            if (chosen) void choose(chosen);
          }} />
        <label className="row">
          Keep for
          <input
            type="number"
            data-testid="storage-days"
            min={info?.pricing.minStorageDays ?? 1}
            max={info?.pricing.maxStorageDays ?? 36500}
            value={days}
            disabled={locked}
            style={{ width: 80 }}
            onChange={(e) => {
              const value = Number(e.target.value);
              setDays(value);
              if (order && value >= 1) void send({ type: "order.setStorageDays", storageDays: value }).catch((err) => onError(humanOf(err)));
            }}
          />
          days
        </label>
      </div>
      {!locked ? <EncryptionChoice value={mode} onChange={setMode} disabled={progress !== null && progress.bytes < progress.total} /> : null}
      {progress && progress.bytes < progress.total ? (
        <div data-testid="hash-status">
          {mode === "none" ? "Reading" : "Encrypting"} the file to compute its fingerprint… {Math.floor((progress.bytes / Math.max(1, progress.total)) * 100)} %
          <Progress value={progress.bytes} total={progress.total} testid="hash-progress" />
        </div>
      ) : null}
      {order ? (
        <dl className="kv" data-testid="file-info">
          <Field label="File" testid="file-name">
            {order.file.name} ({formatBytes(order.file.encryption?.plaintextSize ?? order.file.size)})
          </Field>
          <Field label="Protection" testid="file-encryption">
            <span data-mode={order.file.encryption?.mode ?? "none"}>
              {order.file.encryption?.mode === "private"
                ? "encrypted in this browser; only you hold the key"
                : order.file.encryption?.mode === "convergent"
                  ? "encrypted in this browser; the key comes from the file (identical files are stored once)"
                  : "not encrypted: the provider can read it"}
            </span>
          </Field>
          <Field label="Fingerprint" testid="file-root">
            <code>{order.file.fileRoot}</code>
          </Field>
          {speed ? (
            <Field label="Read at" testid="hash-speed">
              {speed}
            </Field>
          ) : null}
        </dl>
      ) : null}
    </div>
  );
}

function QuoteCard({ view, onError }: Props) {
  const { flow } = view;
  const order = flow.order;
  const { pending, run } = useAction(onError);
  if (!order) return null;
  const q = order.quote;
  const b = order.balance;
  const expired = q ? Number(q.quote.expiresAt) * 1000 <= view.now : false;
  const paid = Boolean(order.payment);
  const walletMatches = q && view.wallet.account ? view.wallet.account.toLowerCase() === q.quote.client.toLowerCase() : false;
  const canPay = Boolean(q && b?.sufficient && !expired && !paid && view.chainOk !== false && walletMatches);
  return (
    <div className={`card ${view.step === "quote" || view.step === "pay" ? "current" : ""}`} data-testid="card-quote">
      <h2>Price and payment</h2>
      {!paid ? (
        <button data-testid="quote-request" className={q ? "secondary" : ""} disabled={pending !== null || view.step === "signIn"} onClick={() => run("quote", () => send({ type: "order.quote" }))}>
          {q ? "Ask for a new price" : "Ask for the price"}
        </button>
      ) : null}
      {q ? (
        <dl className="kv" data-testid="quote">
          <Field label="Price" testid="quote-price">
            <strong>
              <Eth wei={q.quote.price} />
            </strong>
          </Field>
          <Field label="Per GB-month" testid="quote-per-gb-month">
            {perGbMonth(q.quote.price, q.quote.size, order.storageDays)}
          </Field>
          <Field label="Fine if the provider fails" testid="quote-fine">
            <Eth wei={q.quote.fine} /> <span className="muted">— paid to you from the provider's deposit if it loses or withholds your file</span>
          </Field>
          <Field label="Stored until" testid="quote-storage-until">
            {formatTime(Number(q.quote.storageUntil))}
          </Field>
          <Field label="Price valid until" testid="quote-expires">
            <span className={expired ? "bad" : ""} data-expired={String(expired)}>
              {formatTime(Number(q.quote.expiresAt))} ({expired ? "expired" : relativeTime(Number(q.quote.expiresAt) * 1000, view.now)})
            </span>
          </Field>
          <Field label="Signature" testid="quote-signer">
            <Badge kind="ok">signed by {shortHex(q.signer)}, the contract's signer</Badge>
          </Field>
          <Field label="Order" testid="quote-order-id">
            <code>{q.quote.orderId}</code>
          </Field>
          {q.deduplicated ? (
            <Field label="Deduplicated" testid="quote-deduplicated">
              The provider already stores this file: after paying you prove you own it instead of uploading.
            </Field>
          ) : null}
        </dl>
      ) : null}
      {q && !paid ? (
        <>
          <h3>Your balance</h3>
          {b ? (
            <dl className="kv" data-testid="balance">
              <Field label="Your balance" testid="balance-amount">
                <Eth wei={b.balance} />
              </Field>
              <Field label="Network fee" testid="balance-gas">
                <span title={`${b.gasEstimate} gas at up to ${formatEth(b.maxFeePerGas, 12)} ETH per gas`}>
                  about <Eth wei={b.gasCost} />
                </span>
                {b.gasFallback ? <span className="muted"> (typical figure: estimation needs the funds)</span> : null}
              </Field>
              <Field label="Needed" testid="balance-required">
                <Eth wei={b.required} />
              </Field>
              <Field label="Result" testid="balance-result">
                {b.sufficient ? (
                  <Badge kind="ok" testid="balance-sufficient">enough funds</Badge>
                ) : (
                  <Badge kind="bad" testid="balance-shortfall">
                    short by {formatEth(b.shortfall)} ETH
                  </Badge>
                )}
              </Field>
            </dl>
          ) : (
            <p className="muted">Not checked yet.</p>
          )}
          {!walletMatches && view.wallet.account ? (
            <div className="warn" data-testid="pay-wrong-account">
              The quote is for {shortHex(q.quote.client)}; your wallet's account is {shortHex(view.wallet.account)}.
            </div>
          ) : null}
          <div className="row">
            <button className="secondary" data-testid="balance-check" disabled={pending !== null} onClick={() => run("balance", () => send({ type: "order.checkBalance" }))}>
              Check balance
            </button>
            <button data-testid="pay" disabled={!canPay || pending !== null} onClick={() => run("pay", () => send({ type: "order.pay" }))}>
              Pay {formatEth(q.quote.price)} ETH + about {b ? formatEth(b.gasCost) : "—"} ETH network fee
            </button>
          </div>
          <p className="muted">
            Paying sends the price to the provider's contract (escrow), which locks the fine from the provider's stake. The provider can only collect after {formatDuration(view.contract?.params.settleDelay ?? flow.provider?.info.params.settleDelay ?? 0)} without a dispute.
          </p>
        </>
      ) : null}
    </div>
  );
}

function PaymentCard({ view }: Props) {
  const payment = view.flow.order?.payment;
  if (!payment) return null;
  const required = payment.requiredConfirmations;
  return (
    <div className={`card ${view.step === "confirming" ? "current" : ""}`} data-testid="card-payment">
      <h2>Payment confirmations</h2>
      <dl className="kv">
        <Field label="Transaction" testid="payment-tx">
          <code>{payment.txHash}</code>
        </Field>
        <Field label="On chain" testid="payment-status">
          <span data-status={payment.status}>
            {payment.status === "pending" ? "waiting to be mined…" : payment.status === "mined" ? <Badge kind="ok">mined in block {payment.blockNumber}</Badge> : <Badge kind="bad">reverted</Badge>}
          </span>
        </Field>
        <Field label="Provider" testid="payment-confirmations">
          <span data-confirmed={String(payment.providerConfirmed)}>
            {payment.providerConfirmed ? (
              <Badge kind="ok">payment confirmed ({payment.confirmations} confirmations)</Badge>
            ) : (
              `${payment.confirmations}${required ? ` / ${required}` : ""} confirmations seen by the provider`
            )}
          </span>
        </Field>
      </dl>
    </div>
  );
}

function UploadCard({ view, onError, localFile, setLocalFile }: Props & { localFile: LocalFile; setLocalFile: (f: LocalFile) => void }) {
  const order = view.flow.order;
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [offline, setOffline] = useState<number | null>(null);
  const [rate, setRate] = useState<{ bytesPerSecond: number; secondsLeft: number | null } | null>(null);
  const samples = useRef<{ at: number; sent: number }[]>([]);
  const abort = useRef<AbortController | null>(null);
  if (!order?.payment || !order.quote) return null;
  const dedup = order.quote.deduplicated;
  const upload = order.upload;
  const ready = view.step === "upload";
  const fileMatches = localFile && localFile.root.toLowerCase() === order.file.fileRoot.toLowerCase();

  const reselect = async (file: File) => {
    setChecking(true);
    try {
      const encryption = order.file.encryption ?? null;
      const result = { root: (await prepareFile({ file, encryption: encryption?.mode ?? "none", again: encryption })).meta.fileRoot };
      if (result.root.toLowerCase() !== order.file.fileRoot.toLowerCase()) {
        onError({ code: "FileMismatch", title: "Different file", message: "This is not the file that was quoted and paid for (its commitment differs). Select the original file.", action: "reselectFile" });
        return;
      }
      setLocalFile({ file, root: result.root });
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setChecking(false);
    }
  };

  const start = async () => {
    if (!localFile) return;
    setBusy(true);
    try {
      const orderId = view.currentOrderId ?? undefined;
      const target = await send<UploadTarget>({ type: "order.uploadTarget", leaseId: PAGE_LEASE_ID, orderId });
      if (target.mode === "ownershipProof") {
        const indices = target.indices ?? [];
        setProgress({ sent: 0, total: indices.length });
        const onProved = (done: number, total: number) => setProgress({ sent: done, total });
        const enc = order.file.encryption;
        const proofs = enc
          ? await proveEncryptedFile(localFile.file, indices, target.fileRoot, { key: hexToBytes(enc.key), header: hexToBytes(enc.header) }, onProved)
          : await proveFile(localFile.file, indices, target.fileRoot, onProved);
        await send({ type: "order.submitOwnershipProof", leaseId: PAGE_LEASE_ID, proofs, orderId });
        return;
      }
      // An encrypted file is sent as its ciphertext, encrypted range by range as it goes.
      const enc = order.file.encryption;
      const source = enc ? await ciphertextSource({ blob: localFile.file, key: enc.key, header: enc.header }) : localFile.file;
      await send({ type: "order.uploadStarted", leaseId: PAGE_LEASE_ID, total: source.size, orderId });
      setProgress({ sent: 0, total: source.size });
      let result;
      const controller = new AbortController();
      abort.current = controller;
      samples.current = [];
      const onProgress = (sent: number, total: number) => {
        setProgress({ sent, total });
        samples.current = [...samples.current.filter((x) => Date.now() - x.at < 15_000), { at: Date.now(), sent }];
        setRate(uploadRate(samples.current, total));
        void send({ type: "order.uploadProgress", leaseId: PAGE_LEASE_ID, sent, total, orderId }).catch(() => undefined);
      };
      try {
        // Resumable (the provider keeps what it verified; a retry continues from there), else one PUT.
        result =
          (await resumableUpload({
            url: target.url,
            token: target.token,
            file: source,
            signal: controller.signal,
            onProgress: (p) => {
              setOffline(p.offline ? p.retryInMs : null);
              if (!p.offline) onProgress(p.sent, p.total);
            },
          })) ?? (await uploadFile({ url: target.url, token: target.token, file: source instanceof Blob ? source : await source.slice(0, source.size), signal: controller.signal, onProgress }));
        setOffline(null);
      } catch (err) {
        setOffline(null);
        await send({ type: "order.uploadInterrupted", leaseId: PAGE_LEASE_ID, reason: err instanceof Error ? err.message : String(err), orderId }).catch(() => undefined);
        return;
      }
      if (result.status < 200 || result.status >= 300) {
        await send({ type: "order.uploadInterrupted", leaseId: PAGE_LEASE_ID, reason: `The provider answered ${result.status}`, status: result.status, body: result.body.slice(0, 20_000), orderId }).catch(() => undefined);
        let code = "";
        try {
          code = (JSON.parse(result.body) as { error?: { code?: string; message?: string } }).error?.code ?? "";
        } catch {
          code = "";
        }
        onError({
          code: code ? `Api${code}` : "UploadRefused",
          title: "Upload refused",
          message:
            code === "RootMismatch" || code === "SizeMismatch"
              ? "The provider says these bytes are not the quoted file. Select the original file."
              : result.status === 409
                ? "This file is already being uploaded (from another tab or window). Wait for that upload to finish; nothing is lost."
                : `The provider refused the upload (${result.status}${code ? ` ${code}` : ""}). Try again in a moment.`,
          action: "retry",
          detail: result.body.slice(0, 300),
        });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(result.body);
      } catch {
        body = null;
      }
      await send({ type: "order.uploadFinished", leaseId: PAGE_LEASE_ID, body, orderId });
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setBusy(false);
    }
  };

  const shown = progress ?? (upload ? { sent: upload.sent, total: upload.total } : null);
  return (
    <div className={`card ${ready ? "current" : ""}`} data-testid="card-upload">
      <h2>{dedup ? "Proof that you have the file" : "Upload"}</h2>
      {dedup ? (
        <p className="muted">
          The provider already stores this file. Instead of uploading it, Pekanu sends {order.quote.ownershipIndices?.length ?? 0} chunks it names, each with its Merkle proof, computed from your local copy.
        </p>
      ) : null}
      {!fileMatches ? (
        <div className="row" data-testid="upload-need-file">
          <span className="muted">{localFile ? "The selected file does not match." : "Select the same file again to upload it (its commitment is checked first)."}</span>
          <input type="file" data-testid="upload-file-input" disabled={checking} onChange={(e) => e.target.files?.[0] && void reselect(e.target.files[0])} />
          {checking ? <span className="muted">checking…</span> : null}
        </div>
      ) : null}
      {upload?.status === "interrupted" ? (
        <div className="warn" data-testid="upload-interrupted">
          The last attempt was interrupted{upload.lastError ? `: ${upload.lastError}` : ""}. Retry when ready.
        </div>
      ) : null}
      {shown && (busy || upload?.status === "uploading") ? (
        <div data-testid="upload-status">
          {dedup
            ? `Proving part ${shown.sent} of ${shown.total}`
            : `Uploading ${Math.floor((shown.sent / Math.max(1, shown.total)) * 100)} % · ${formatBytes(shown.sent)} of ${formatBytes(shown.total)}`}
          {!dedup && rate && rate.bytesPerSecond > 0 ? (
            <span className="muted" data-testid="upload-rate">
              {" "}
              · {formatBytes(rate.bytesPerSecond)}/s{rate.secondsLeft !== null ? ` · about ${formatDuration(rate.secondsLeft)} left` : ""}
            </span>
          ) : null}
          <Progress value={shown.sent} total={shown.total} testid="upload-progress" />
          {offline !== null ? (
            <div className="warn" data-testid="upload-offline" role="status">
              Provider offline — retrying in {Math.round(offline / 1000)} s. Nothing is lost: the upload continues where it stopped.
            </div>
          ) : null}
          {busy && !dedup ? (
            <button className="secondary" data-testid="upload-pause" onClick={() => abort.current?.abort()}>
              Pause
            </button>
          ) : null}
        </div>
      ) : null}
      {upload?.status === "done" ? <Badge kind="ok" testid="upload-done">delivered</Badge> : null}
      {upload?.status !== "done" ? (
        <button data-testid={upload?.status === "interrupted" ? "upload-retry" : dedup ? "ownership-prove" : "upload-start"} disabled={!ready || !fileMatches || busy} onClick={start}>
          {upload?.status === "interrupted" ? "Retry" : dedup ? "Prove ownership" : "Upload"}
        </button>
      ) : null}
      {!ready && view.step === "confirming" ? <p className="muted">Available once the provider confirms your payment.</p> : null}
    </div>
  );
}

function ReceiptCard({ view, onError, openVault }: Props) {
  const { flow } = view;
  const order = flow.order;
  const receipt = order?.receipt;
  const { pending, run } = useAction(onError);
  if (!order?.quote || !receipt || !flow.provider) return null;
  const key = recordKey(flow.provider.info.chainId, flow.provider.info.contract.address, order.quote.quote.orderId);
  return (
    <div className={`card ${receipt.status === "verified" ? "done" : "current"}`} data-testid="card-receipt">
      <h2>Receipt</h2>
      <dl className="kv">
        <Field label="Provider's signature" testid="receipt-signature">
          <code>{receipt.signature}</code>
        </Field>
        <Field label="L" testid="receipt-link">
          <code>{receipt.link}</code>
        </Field>
        <Field label="Check" testid="receipt-status">
          <span data-status={receipt.status}>
            {receipt.status === "verified" ? (
              <Badge kind="ok">valid: signed by {shortHex(receipt.signer)}, the signer named by the contract</Badge>
            ) : receipt.status === "invalid" ? (
              <Badge kind="bad">NOT valid: {receipt.problem}</Badge>
            ) : (
              "checking against contract.signer()…"
            )}
          </span>
        </Field>
        {receipt.status === "verified" ? (
          <Field label="Vault" testid="receipt-saved">
            {receipt.savedToVault ? "kept in your vault" : "saving…"}
          </Field>
        ) : null}
      </dl>
      {receipt.status === "invalid" ? (
        <div className="banner error" data-testid="receipt-invalid">
          The provider's receipt does not verify. Do not rely on it. You can open a delivery dispute on chain: the provider must then publish a valid σ or refund you, or you claim the price and the fine after the deadline.
          <div className="row" style={{ marginTop: 6 }}>
            <button className="danger" data-testid="penalty-dispute-now" disabled={pending !== null} onClick={() => run("dispute", () => send({ type: "penalty.dispute", key }))}>
              Dispute delivery
            </button>
            <button className="secondary" data-testid="receipt-open-vault" onClick={() => openVault(key)}>
              Track it in the vault
            </button>
          </div>
        </div>
      ) : null}
      {receipt.status === "verified" ? (
        <div className="row">
          <button className="secondary" data-testid="receipt-open-vault" onClick={() => openVault(key)}>
            Open in vault
          </button>
          <button data-testid="order-new" onClick={() => run("new", () => send({ type: "order.clear" }))}>
            Store another file
          </button>
        </div>
      ) : null}
    </div>
  );
}

function DeliveryDisputeHint({ view, openVault }: Props) {
  // A paid, confirmed order whose upload keeps failing: the person may dispute delivery.
  const { flow } = view;
  const order = flow.order;
  if (!order?.payment || !order.quote || order.receipt || !flow.provider) return null;
  if (!(order.upload?.status === "interrupted" && order.upload.attempts >= 2)) return null;
  const key = recordKey(flow.provider.info.chainId, flow.provider.info.contract.address, order.quote.quote.orderId);
  return (
    <div className="banner warn" data-testid="dispute-hint">
      Uploads keep failing. If the provider does not accept your file, you can dispute the delivery from the vault: it then has to answer on chain or you recover the price and the fine.{" "}
      <button className="secondary" data-testid="dispute-hint-open" onClick={() => openVault(key)}>
        Open penalty options
      </button>
    </div>
  );
}

/** The price per GB-month (10^9 bytes × 30 days), the unit storage is sold in. */
function perGbMonth(price: string, size: string, days: number): string {
  const bytes = Number(size);
  if (!bytes || !days) return "—";
  const wei = (BigInt(price) * 1_000_000_000n * 30n) / (BigInt(bytes) * BigInt(days));
  return `${formatEth(wei)} ETH`;
}

export function FlowPanel(props: Props) {
  const { view } = props;
  const [localFile, setLocalFile] = useState<LocalFile>(null);
  // The file card's protection choice; the provider card's "files up to …" follows it.
  const [mode, setMode] = useState<EncryptionChoiceMode>("private");
  const orderRoot = view.flow.order?.file.fileRoot;
  const lastRoot = useRef(orderRoot);
  useEffect(() => {
    // A cleared order forgets the page's file.
    if (lastRoot.current && !orderRoot) setLocalFile(null);
    lastRoot.current = orderRoot;
  }, [orderRoot]);
  const { flow } = view;
  const reg = flow.registration;
  const registered =
    reg?.status === "confirmed" && reg.isRegistered && (!flow.session || reg.address.toLowerCase() === flow.session.address.toLowerCase());
  return (
    <div data-testid="flow" data-step={view.step}>
      <ProviderCard {...props} protection={mode} />
      {flow.provider ? <AccountCard {...props} /> : null}
      {flow.provider && (registered || flow.order) ? <FileCard {...props} localFile={localFile} setLocalFile={setLocalFile} mode={mode} setMode={setMode} /> : null}
      <QuoteCard {...props} />
      <PaymentCard {...props} />
      <UploadCard {...props} localFile={localFile} setLocalFile={setLocalFile} />
      <DeliveryDisputeHint {...props} />
      <ReceiptCard {...props} />
    </div>
  );
}

export type { FlowState };
