// The batch queue: the files dropped or picked together, each an order of its own. One button
// pays them all (one wallet confirmation); then this page uploads them, two at a time,
// resumably; per file and overall progress with speed and time left; pause, resume, cancel per
// file and for the batch. A file that fails does not stop the others.
import { useEffect, useReducer, useRef, useState } from "react";
import type { BatchEntry } from "../background/controllers/batch.ts";
import type { OrderSummary } from "../background/controllers/orders.ts";
import type { HumanError } from "../lib/errors.ts";
import { orderStatus } from "../lib/fileStatus.ts";
import { formatBytes, formatDuration, formatEth } from "../lib/format.ts";
import type { View } from "../lib/messages.ts";
import { uploadRate } from "../lib/resumableUpload.ts";
import { humanOf, send } from "./background.ts";
import { batchFiles } from "./batchFiles.ts";
import { Progress } from "./components.tsx";
import type { FileMetaEncryption } from "../lib/flow.ts";
import { prepareFile } from "./prepareFile.ts";
import { uploadOrder } from "./uploadOrder.ts";

/** Uploads this page runs at the same time. */
export const UPLOAD_CONCURRENCY = 2;

type Live = {
  sent: number;
  total: number;
  samples: { at: number; sent: number }[];
  offline: { retryInMs: number; reason: "offline" | "busy" } | null;
  controller: AbortController;
};

/** This page's uploads (module state: one queue per page, whatever the number of batches shown). */
const running = new Map<string, Live>();
const paused = new Set<string>();
const failed = new Map<string, string>();
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());

function useQueueState(): void {
  const [, bump] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    listeners.add(bump);
    const off = batchFiles.subscribe(bump);
    return () => {
      listeners.delete(bump);
      off();
    };
  }, []);
}

function start(order: OrderSummary): void {
  const file = batchFiles.get(order.id);
  if (!file || running.has(order.id)) return;
  const live: Live = { sent: order.upload?.sent ?? 0, total: file.size, samples: [], offline: null, controller: new AbortController() };
  running.set(order.id, live);
  failed.delete(order.id);
  notify();
  void uploadOrder({
    orderId: order.id,
    file,
    signal: live.controller.signal,
    onProgress: (p) => {
      live.offline = p.offline ? { retryInMs: p.retryInMs ?? 0, reason: p.reason ?? "offline" } : null;
      if (!p.offline) {
        live.sent = p.sent;
        live.total = p.total;
        live.samples = [...live.samples.filter((s) => Date.now() - s.at < 15_000), { at: Date.now(), sent: p.sent }];
      }
      notify();
    },
  })
    .then((outcome) => {
      if (!outcome.ok && !outcome.paused) failed.set(order.id, outcome.message);
    })
    .catch((err) => failed.set(order.id, humanOf(err).message))
    .finally(() => {
      running.delete(order.id);
      notify();
    });
}

/** Starts what may start: files whose payment the provider confirmed, not paused, not failed, two at a time. */
function pump(orders: OrderSummary[]): void {
  for (const order of orders) {
    if (running.size >= UPLOAD_CONCURRENCY) return;
    if (order.step !== "upload" || order.uploadingElsewhere || paused.has(order.id) || failed.has(order.id) || running.has(order.id)) continue;
    if (batchFiles.has(order.id)) start(order);
  }
}

function pause(id: string): void {
  paused.add(id);
  running.get(id)?.controller.abort();
  notify();
}

function resume(id: string): void {
  paused.delete(id);
  failed.delete(id);
  notify();
}

function rowText(order: OrderSummary, live: Live | undefined): string {
  if (live) {
    if (live.offline) {
      return live.offline.reason === "busy"
        ? `Waiting for the provider to release an earlier attempt — retrying in ${Math.round(live.offline.retryInMs / 1000)} s`
        : `Provider offline — retrying in ${Math.round(live.offline.retryInMs / 1000)} s`;
    }
    return `Uploading ${Math.floor((live.sent / Math.max(1, live.total)) * 100)} %`;
  }
  if (paused.has(order.id) && order.step === "upload") return "Paused";
  if (failed.has(order.id)) return `Upload failed: ${failed.get(order.id)}`;
  if (order.payRequested) return "Waiting for your confirmation in the wallet";
  if (order.error && order.step === "quote") return `No price: ${order.error.message}`;
  if (order.step === "upload" && !batchFiles.has(order.id)) return "Paid — choose the file again to upload it";
  return orderStatus(order).text;
}

function BatchCard({ batch, orders, view, onError }: { batch: BatchEntry; orders: OrderSummary[]; view: View; onError: (e: HumanError) => void }) {
  const [pending, setPending] = useState<string | null>(null);
  const [matching, setMatching] = useState(false);
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
  const payable = orders.filter((o) => o.step === "pay" && !o.payRequested);
  const unpriced = orders.filter((o) => o.step === "quote");
  const uploadable = orders.filter((o) => o.step === "upload");
  const missing = uploadable.filter((o) => !batchFiles.has(o.id));
  const stored = orders.filter((o) => o.step === "done").length;
  const size = orders.reduce((sum, o) => sum + o.size, 0);
  const sentOf = (o: OrderSummary) => (o.step === "done" || o.step === "verifyReceipt" ? o.size : (running.get(o.id)?.sent ?? o.upload?.sent ?? 0));
  const sent = orders.reduce((sum, o) => sum + sentOf(o), 0);
  // Overall speed: the sum of this batch's running uploads; time left at that speed.
  const bytesPerSecond = orders.reduce((sum, o) => {
    const live = running.get(o.id);
    return sum + (live && live.samples.length > 1 ? uploadRate(live.samples, live.total).bytesPerSecond : 0);
  }, 0);
  const rate = bytesPerSecond > 0 ? { bytesPerSecond, secondsLeft: Math.ceil((size - sent) / bytesPerSecond) } : null;
  const balance = batch.balance && batch.balance.count === payable.length ? batch.balance : null;
  const walletMatches = view.wallet.account !== null;
  // The provider asked to slow down (429 on quotes): the background asks again by itself.
  const waitingMs = batch.waitingUntil ? Math.max(0, batch.waitingUntil - Date.now()) : null;

  // Files of a reopened page: matched by name and size, then by fingerprint (the quoted file only).
  const reselect = async (list: FileList) => {
    setMatching(true);
    try {
      for (const file of Array.from(list)) {
        const path = file.webkitRelativePath || file.name;
        const order = missing.find((o) => (o.fileName === path || o.fileName.endsWith(`/${file.name}`) || o.fileName === file.name) && o.plainSize === file.size && !batchFiles.has(o.id));
        if (!order) continue;
        // Encrypted again with the order's key and header, the same File gives the same ciphertext root.
        const again = order.protection === "none" ? null : await send<FileMetaEncryption | null>({ type: "order.fileEncryption", orderId: order.id });
        const { meta } = await prepareFile({ file, encryption: again?.mode ?? "none", again });
        const root = meta.fileRoot;
        if (root.toLowerCase() !== order.fileRoot.toLowerCase()) continue;
        batchFiles.set(order.id, file);
      }
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setMatching(false);
    }
  };

  return (
    <section className="card" data-testid="batch" data-batch-id={batch.id} data-count={orders.length} data-stored={stored} aria-label={`${orders.length} files`}>
      <div className="row">
        <h3 className="grow">
          {orders.length} file{orders.length === 1 ? "" : "s"} · {formatBytes(size)} · <span data-testid="batch-summary">{stored} stored</span>
        </h3>
        {uploadable.length > 0 ? (
          <>
            <button className="secondary" data-testid="batch-pause" onClick={() => uploadable.forEach((o) => pause(o.id))}>
              Pause all
            </button>
            <button className="secondary" data-testid="batch-resume" onClick={() => uploadable.forEach((o) => resume(o.id))}>
              Resume all
            </button>
          </>
        ) : null}
        {orders.some((o) => o.step === "quote" || o.step === "pay" || o.step === "upload") ? (
          <button
            className="secondary"
            data-testid="batch-cancel"
            disabled={pending !== null}
            title="Files not paid yet leave the list; paid files stop uploading and stay in your files."
            onClick={() => {
              uploadable.forEach((o) => pause(o.id));
              void run("cancel", () => send({ type: "batch.cancel", batchId: batch.id }));
            }}
          >
            Cancel
          </button>
        ) : null}
      </div>
      <Progress value={sent} total={size} testid="batch-progress" label="All files" />
      <p className="muted" data-testid="batch-overall">
        {Math.floor((sent / Math.max(1, size)) * 100)} % of {formatBytes(size)}
        {rate && rate.bytesPerSecond > 0 ? ` · ${formatBytes(rate.bytesPerSecond)}/s${rate.secondsLeft !== null ? ` · about ${formatDuration(rate.secondsLeft)} left` : ""}` : ""}
      </p>
      {waitingMs !== null && unpriced.length > 0 ? (
        <p className="muted" role="status" data-testid="batch-waiting">
          Waiting for the provider: it asks to slow down. The other prices are asked for automatically ({unpriced.length} left).
        </p>
      ) : null}
      {unpriced.length > 0 && waitingMs === null ? (
        <button className="secondary" data-testid="batch-quote" disabled={pending !== null} onClick={() => run("quote", () => send({ type: "batch.quote", batchId: batch.id }))}>
          Ask for the prices ({unpriced.length})
        </button>
      ) : null}
      {payable.length > 0 ? (
        <div className="row" data-testid="batch-payment">
          {balance ? (
            <>
              <button
                data-testid="batch-pay"
                disabled={pending !== null || !balance.sufficient || !walletMatches || view.chainOk === false}
                onClick={() => run("pay", () => send({ type: "batch.pay", batchId: batch.id }))}
              >
                Pay {formatEth(balance.total)} ETH + about {formatEth(balance.gasCost)} ETH network fee for {payable.length} file{payable.length === 1 ? "" : "s"}
              </button>
              {balance.sufficient ? (
                <span className="muted" data-testid="batch-balance-ok">
                  One confirmation in your wallet pays them all.
                </span>
              ) : (
                <span className="bad" data-testid="batch-shortfall" data-wei={balance.shortfall}>
                  You need {formatEth(balance.shortfall)} ETH more.
                </span>
              )}
            </>
          ) : (
            <button className="secondary" data-testid="batch-check-balance" disabled={pending !== null} onClick={() => run("balance", () => send({ type: "batch.checkBalance", batchId: batch.id }))}>
              Check my balance for {payable.length} file{payable.length === 1 ? "" : "s"}
            </button>
          )}
        </div>
      ) : null}
      {missing.length > 0 ? (
        <div className="row" data-testid="batch-need-files">
          <span className="warn">
            {missing.length} paid file{missing.length === 1 ? "" : "s"} to upload: choose {missing.length === 1 ? "it" : "them"} again (they are checked against what you paid for).
          </span>
          <label className="button secondary">
            Choose files
            <input type="file" multiple className="sr-only" data-testid="batch-reselect-input" disabled={matching} onChange={(e) => e.target.files && void reselect(e.target.files)} />
          </label>
          <label className="button secondary">
            Choose the folder
            <input type="file" {...{ webkitdirectory: "" }} className="sr-only" data-testid="batch-reselect-folder" disabled={matching} onChange={(e) => e.target.files && void reselect(e.target.files)} />
          </label>
        </div>
      ) : null}
      <ul className="batch-files" data-testid="batch-files">
        {orders.map((o, i) => {
          const live = running.get(o.id);
          const value = sentOf(o);
          const r = live && live.samples.length > 1 ? uploadRate(live.samples, live.total) : null;
          return (
            <li key={o.id} data-testid={`batch-file-${i}`} data-order-id={o.id} data-size={o.size} data-step={o.step} data-running={String(Boolean(live))}>
              <span className="name" title={o.fileName}>
                {o.fileName} <span className="muted">({formatBytes(o.size)})</span>
              </span>
              <span>
                <span data-testid={`batch-file-${i}-status`} role={live?.offline ? "status" : undefined}>
                  {rowText(o, live)}
                </span>
                {r && r.bytesPerSecond > 0 && !live?.offline ? (
                  <span className="muted">
                    {" "}
                    · {formatBytes(r.bytesPerSecond)}/s{r.secondsLeft !== null ? ` · ${formatDuration(r.secondsLeft)} left` : ""}
                  </span>
                ) : null}
                {o.step === "upload" || o.step === "verifyReceipt" || live ? <Progress value={value} total={o.size} testid={`batch-file-${i}-progress`} label={`Upload of ${o.fileName}`} /> : null}
              </span>
              <span className="row">
                {o.step === "upload" && live ? (
                  <button className="secondary" data-testid={`batch-file-${i}-pause`} onClick={() => pause(o.id)}>
                    Pause
                  </button>
                ) : null}
                {o.step === "upload" && !live && (paused.has(o.id) || failed.has(o.id)) ? (
                  <button className="secondary" data-testid={`batch-file-${i}-resume`} onClick={() => resume(o.id)}>
                    {failed.has(o.id) ? "Retry" : "Resume"}
                  </button>
                ) : null}
                {o.step === "quote" || (o.step === "pay" && !o.payRequested) ? (
                  <button className="secondary" data-testid={`batch-file-${i}-remove`} onClick={() => void run("remove", () => send({ type: "batch.cancel", batchId: batch.id, orderId: o.id }))}>
                    Remove
                  </button>
                ) : null}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function BatchQueue({ view, onError }: { view: View; onError: (e: HumanError) => void }) {
  useQueueState();
  // In the order the files came (the batch keeps it; many files share the same creation time).
  const byBatch = (id: string) => {
    const position = new Map((view.batches.find((b) => b.id === id)?.orderIds ?? []).map((oid, i) => [oid, i]));
    return view.orders.filter((o) => o.batchId === id).sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity) || a.createdAt - b.createdAt);
  };
  const all = view.batches.flatMap((b) => byBatch(b.id));
  const active = running.size > 0;
  const last = useRef(active);
  last.current = active;
  useEffect(() => {
    pump(all);
  });
  useEffect(() => {
    // Closing the page mid-upload: the browser asks first (the upload resumes when the page is reopened).
    const warn = (e: BeforeUnloadEvent) => {
      if (!last.current) return;
      e.preventDefault();
      e.returnValue = "";
    };
    addEventListener("beforeunload", warn);
    return () => removeEventListener("beforeunload", warn);
  }, []);
  // Batches still being worked on, and the newest one; finished ones live on in the files home.
  const shown = view.batches.filter((b, i) => i === 0 || byBatch(b.id).some((o) => o.step !== "done"));
  if (shown.length === 0) return null;
  return (
    <div data-testid="batch-queue">
      {shown.map((b) => (
        <BatchCard key={b.id} batch={b} orders={byBatch(b.id)} view={view} onError={onError} />
      ))}
    </div>
  );
}
