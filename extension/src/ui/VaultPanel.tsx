// The receipts vault: list with search, detail, re-verify, free audit, verified download,
// export/import, and the penalty actions of seed step 14 with what happens next and when.
import { useCallback, useEffect, useRef, useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import { fileStatusOf, formatDate } from "../lib/fileStatus.ts";
import { formatBytes, formatEth, formatTime, relativeTime, shortHex } from "../lib/format.ts";
import type { AuditAnswer, DownloadTarget, ImportAnswer, VaultListAnswer, View } from "../lib/messages.ts";
import { chainNowSec, penaltyAdvice } from "../lib/penalty.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { Badge, Eth, Field, Progress } from "./components.tsx";
import { humanOf, send } from "./background.ts";
import { commitFile, decryptToFile, removeDecrypted, sweepDecrypted } from "./hashing.ts";
import { ShareLinkPanel } from "./ShareLinkPanel.tsx";
import { hexToBytes } from "viem";
import { downloadBytes, saveBlob } from "./transfer.ts";
import { RenewButton } from "./RenewButton.tsx";
import { VaultExchange } from "./VaultExchange.tsx";

const PAGE = 50;

function verificationBadge(record: VaultRecord, testid?: string) {
  const v = record.verification;
  const label: Record<typeof v.status, string> = {
    verified: record.signature ? "σ verified on chain" : "quote verified, no σ yet",
    verifiedOffline: "σ verified offline (recorded signer)",
    unverified: "not verified yet",
    invalid: "σ INVALID",
  };
  const kind = v.status === "verified" ? "ok" : v.status === "invalid" ? "bad" : "warn";
  return (
    <Badge kind={kind} testid={testid}>
      <span data-status={v.status}>{label[v.status]}</span>
    </Badge>
  );
}

function orderStatus(record: VaultRecord): string {
  if (record.chain) return record.chain.state;
  if (record.paymentStatus === "pending") return "payment pending";
  if (record.paymentStatus === "reverted") return "payment reverted";
  return record.signature ? "stored" : "paid, no σ";
}

export function VaultPanel({ view, onError, selectedKey, setSelectedKey }: { view: View | null; onError: (e: HumanError) => void; selectedKey: string | null; setSelectedKey: (k: string | null) => void }) {
  const [query, setQuery] = useState("");
  const [typed, setTyped] = useState("");
  const [offset, setOffset] = useState(0);
  const [list, setList] = useState<VaultListAnswer | null>(null);
  const [importReport, setImportReport] = useState<ImportAnswer | null>(null);
  const [importing, setImporting] = useState(false);
  const firstPage = useRef(false);

  const load = useCallback(async () => {
    try {
      const answer = await send<VaultListAnswer>({ type: "vault.list", query, offset, limit: PAGE });
      setList(answer);
    } catch (err) {
      onError(humanOf(err));
    }
  }, [query, offset, onError]);

  useEffect(() => {
    void load();
  }, [load, view?.vault.version]);

  // Temporary files of downloads an earlier session did not finish handing over.
  useEffect(() => {
    void sweepDecrypted();
  }, []);

  // Search as you type, without a request per keystroke.
  useEffect(() => {
    const timer = setTimeout(() => {
      setQuery(typed);
      setOffset(0);
    }, 120);
    return () => clearTimeout(timer);
  }, [typed]);

  useEffect(() => {
    if (list && !firstPage.current) {
      firstPage.current = true;
      performance.mark("pekanu:vault-first-page");
    }
  }, [list]);

  return (
    <div className="split" data-testid="vault">
      <div>
        <div className="card">
          <div className="row">
            <h2 className="grow">Receipts vault</h2>
            <span className="muted" data-testid="vault-count" data-total={list?.total ?? 0}>
              {list ? `${list.total} ${query ? "matching" : "orders"}` : "…"}
            </span>
          </div>
          <div className="row">
            <input
              type="search"
              className="grow"
              aria-label="Search your receipts"
              placeholder="Search by file name, order id, root, link, tx…"
              data-testid="vault-search"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
            />
          </div>
          <VaultExchange
            onError={onError}
            onImported={(report) => {
              setImportReport(report);
              performance.mark("pekanu:vault-imported");
            }}
          />
          {importing ? <div className="muted" data-testid="vault-import-status">Verifying every σ and importing…</div> : null}
          {importReport ? (
            <div
              className="banner info"
              data-testid="vault-import-report"
              data-added={importReport.added}
              data-merged={importReport.merged}
              data-refused={importReport.refused.length}
              data-ms={Math.round(importReport.ms)}
              data-timings={JSON.stringify(importReport.timings)}
            >
              Imported {importReport.total} records in {(importReport.ms / 1000).toFixed(1)} s: {importReport.added} new, {importReport.merged} merged with existing ones, {importReport.verifiedOnChain} verified on chain, {importReport.verifiedOffline} verified against the recorded signer (chain not reachable).
              {importReport.refused.length ? (
                <div className="bad" data-testid="vault-import-refused">
                  {importReport.refused.length} refused:
                  <ul>
                    {importReport.refused.slice(0, 10).map((r) => (
                      <li key={`${r.index}`}>
                        #{r.index} {r.orderId ? shortHex(r.orderId) : ""}: {r.reason}
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </div>
          ) : null}
        </div>
        <div className="card">
          <table data-testid="vault-list">
            <thead>
              <tr>
                <th>File</th>
                <th>Price</th>
                <th>Status</th>
                <th>σ</th>
              </tr>
            </thead>
            <tbody>
              {list?.items.map((r) => (
                <tr
                  key={r.key}
                  className={`selectable ${selectedKey === r.key ? "selected" : ""}`}
                  data-testid="vault-row"
                  data-key={r.key}
                  data-order-id={r.orderId}
                  onClick={() => setSelectedKey(r.key)}
                >
                  <td>
                    {r.fileName || <span className="muted">{shortHex(r.fileRoot)}</span>}
                    <div className="muted">{formatTime(r.createdAt)}</div>
                  </td>
                  <td>{formatEth(r.quote.price)} ETH</td>
                  <td>{orderStatus(r)}</td>
                  <td>{verificationBadge(r)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list && list.items.length === 0 ? (
            <p className="muted" data-testid="vault-empty">
              {query ? "No receipt matches." : "No receipts yet. Paid orders and their receipts appear here."}
            </p>
          ) : null}
          <div className="row" style={{ marginTop: 8 }}>
            <button className="secondary" data-testid="vault-prev" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Previous
            </button>
            <span className="muted" data-testid="vault-page">
              {list && list.total ? `${offset + 1}–${Math.min(offset + PAGE, list.total)} of ${list.total}` : ""}
            </span>
            <button className="secondary" data-testid="vault-next" disabled={!list || offset + PAGE >= list.total} onClick={() => setOffset(offset + PAGE)}>
              Next
            </button>
          </div>
        </div>
      </div>
      <div>{selectedKey && view ? <RecordDetail key={selectedKey} recordKey={selectedKey} view={view} onError={onError} /> : <div className="card muted">Select a receipt to see its details.</div>}</div>
    </div>
  );
}

function RecordDetail({ recordKey, view, onError }: { recordKey: string; view: View; onError: (e: HumanError) => void }) {
  const [record, setRecord] = useState<VaultRecord | null>(null);
  const [audit, setAudit] = useState<AuditAnswer | null>(null);
  const [download, setDownload] = useState<{ state: "running" | "ok" | "bad"; received: number; total: number; message?: string } | null>(null);
  const [pending, setPending] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setRecord(await send<VaultRecord | null>({ type: "vault.get", key: recordKey }));
    } catch (err) {
      onError(humanOf(err));
    }
  }, [recordKey, onError]);
  useEffect(() => {
    void load();
  }, [load, view.vault.version]);

  // Read the order's state on chain when opened (quietly: the wallet may be elsewhere).
  useEffect(() => {
    void send({ type: "vault.refreshChain", key: recordKey }).catch(() => undefined);
  }, [recordKey]);

  if (!record) return <div className="card muted">Loading…</div>;

  const run = async (name: string, work: () => Promise<unknown>) => {
    setPending(name);
    try {
      await work();
      await load();
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setPending(null);
    }
  };

  const doDownload = async () => {
    setDownload({ state: "running", received: 0, total: record.size });
    try {
      const target = await send<DownloadTarget>({ type: "vault.downloadTarget", key: recordKey });
      if (record.encryption) {
        // Decrypted on the way to disk, every part checked; nothing is saved unless all of it is right.
        if (!record.encryption.key) throw new Error("This browser does not hold the file's key (the record came from an export without keys): it cannot be decrypted.");
        const { file, name } = await decryptToFile(
          { url: target.url, token: target.token, key: hexToBytes(record.encryption.key), expectedRoot: target.fileRoot, expectedSize: target.size },
          (received) => setDownload({ state: "running", received, total: record.size }),
        );
        setDownload({ state: "ok", received: target.size, total: record.size, message: "Downloaded and decrypted; every part was checked against your receipt." });
        saveBlob(file, target.fileName);
        setTimeout(() => void removeDecrypted(name), 60_000);
        return;
      }
      const blob = await downloadBytes({ url: target.url, token: target.token, onProgress: (received, total) => setDownload({ state: "running", received, total: total || record.size }) });
      const check = await commitFile(blob);
      if (check.root.toLowerCase() !== target.fileRoot.toLowerCase() || check.size !== target.size) {
        setDownload({ state: "bad", received: blob.size, total: record.size, message: "The downloaded bytes do NOT match the committed root: the file was not saved. Audit the order and consider a storage challenge." });
        return;
      }
      setDownload({ state: "ok", received: blob.size, total: record.size, message: "The downloaded bytes match the committed root." });
      saveBlob(blob, target.fileName);
    } catch (err) {
      setDownload({ state: "bad", received: 0, total: record.size, message: humanOf(err).message });
    }
  };

  const nowSec = chainNowSec(record.chain, view.now);
  const advice = penaltyAdvice(record, record.chain, nowSec);
  const detailStatus = fileStatusOf(record, null, view.now);
  const lastAudit = record.audits.at(-1);
  // A challenge costs a bond: offered only after a failed check, never after a passed one.
  const challengeMakesSense = advice.canChallenge && Boolean(lastAudit && !lastAudit.ok);
  // The advice's challenge sentence only where a challenge is offered (after a failed check).
  const explainLines = challengeMakesSense
    ? advice.explain
    : advice.explain.map((line) => (line.startsWith("Challenge the storage") ? "Nothing to do: the provider has your file. Check it for free from time to time; if a check fails, you can make it prove it on chain." : line));
  const bond = record.chain?.params?.challengeBond ?? (view.contract?.address.toLowerCase() === record.contract.toLowerCase() ? view.contract.params.challengeBond : null);

  return (
    <div className="card" data-testid="vault-detail" data-key={record.key}>
      <h2>{record.fileName || "Order"}</h2>
      <p className={`file-status ${detailStatus.tone}`} data-testid="detail-status" data-status={detailStatus.kind} title={detailStatus.title}>
        {detailStatus.text}
      </p>
      <dl className="kv">
        <Field label="Price" testid="detail-price">
          <Eth wei={record.quote.price} /> <span className="muted">· fine if the provider fails: <Eth wei={record.quote.fine} /></span>
        </Field>
        <Field label="Stored until" testid="detail-storage-until">
          <span title={formatTime(Number(record.quote.storageUntil))}>{formatDate(Number(record.quote.storageUntil) * 1000)}</span>
        </Field>
      </dl>
      <details className="technical" data-testid="detail-technical">
        <summary>Technical details</summary>
      <dl className="kv">
        <Field label="Order" testid="detail-order-id">
          <code>{record.orderId}</code>
        </Field>
        <Field label="File" testid="detail-file">
          {formatBytes(record.size)} · root <code>{record.fileRoot}</code>
        </Field>
        <Field label="Provider" testid="detail-provider">
          <code>{record.providerUrl}</code>
        </Field>
        <Field label="Contract" testid="detail-contract">
          <code>{record.contract}</code> (chain {record.chainId})
        </Field>
        <Field label="Payment" testid="detail-payment">
          {record.payTxHash ? <code>{shortHex(record.payTxHash, 10, 8)}</code> : "—"} {record.paymentStatus}
        </Field>
        <Field label="Link L" testid="detail-link">
          {record.link ? <code>{record.link}</code> : <span className="muted">none yet</span>}
        </Field>
        <Field label="Receipt σ" testid="detail-signature">
          {record.signature ? <code>{shortHex(record.signature, 12, 10)}</code> : <span className="muted">none yet</span>}
        </Field>
        <Field label="Verification" testid="detail-verification">
          {verificationBadge(record, "detail-verification-badge")}{" "}
          <span className="muted">
            {record.signer ? `signer ${shortHex(record.signer)}` : ""} {record.verification.at ? `· ${formatTime(record.verification.at)}` : ""} {record.verification.note ?? ""}
          </span>
        </Field>
        <Field label="On chain" testid="detail-chain-state">
          {record.chain ? (
            <span data-state={record.chain.state}>
              {record.chain.state}
              {record.chain.settled ? " (settled)" : ""} <span className="muted">read {formatTime(record.chain.readAt)}</span>
            </span>
          ) : (
            <span className="muted">not read yet</span>
          )}
        </Field>
        {advice.deadline ? (
          <Field label="Deadline" testid="detail-deadline">
            <span data-deadline={advice.deadline}>{formatTime(advice.deadline)}</span>
          </Field>
        ) : null}
      </dl>
      </details>
      <div className="row">
        <button className="secondary" data-testid="detail-reverify" disabled={pending !== null} onClick={() => run("reverify", () => send({ type: "vault.reverify", key: recordKey }))}>
          Check the receipt again
        </button>
        <button className="secondary" data-testid="detail-audit" disabled={pending !== null || !record.link} onClick={() => run("audit", async () => setAudit(await send<AuditAnswer>({ type: "vault.audit", key: recordKey })))}>
          Check the provider still has it (free)
        </button>
        <button className="secondary" data-testid="detail-download" disabled={!record.link || download?.state === "running"} onClick={doDownload}>
          Download
        </button>
        <button className="secondary" data-testid="detail-refresh-chain" disabled={pending !== null} onClick={() => run("chain", () => send({ type: "vault.refreshChain", key: recordKey }))}>
          Read on chain
        </button>
      </div>
      {record.encryption ? <ShareLinkPanel record={record} onError={onError} /> : null}
      {audit ? (
        <div className={`banner ${audit.ok ? "info" : "error"}`} data-testid="detail-audit-result" data-ok={String(audit.ok)}>
          {audit.ok
            ? `Check passed: the provider sent back part #${audit.index} of your file, and it matches your file's fingerprint.`
            : `Check failed on part #${audit.index} of your file: ${audit.problem ?? ""} You can now make the provider prove it on chain (below).`}
        </div>
      ) : null}
      {download ? (
        <div data-testid="detail-download-status" data-state={download.state}>
          {download.state === "running" ? (
            <>
              Downloading {formatBytes(download.received)} of {formatBytes(download.total)}…
              <Progress value={download.received} total={download.total} testid="detail-download-progress" />
            </>
          ) : (
            <div className={download.state === "ok" ? "ok" : "bad"}>{download.message}</div>
          )}
        </div>
      ) : null}
      {record.audits.length ? (
        <div className="muted" data-testid="detail-audits">
          Checks: {record.audits.filter((a) => a.ok).length} passed, {record.audits.filter((a) => !a.ok).length} failed (last{" "}
          <span title={formatTime(record.audits.at(-1)!.at)}>{relativeTime(record.audits.at(-1)!.at, view.now)}</span>).
        </div>
      ) : null}

      <h3>If something goes wrong</h3>
      <div data-testid="detail-explain">
        {explainLines.map((text, i) => (
          <div className="explain" key={i} data-testid="detail-explain-line">
            {text}
          </div>
        ))}
      </div>
      <div className="row">
        {advice.canDispute ? (
          <button className="danger" data-testid="detail-dispute" disabled={pending !== null} onClick={() => run("dispute", () => send({ type: "penalty.dispute", key: recordKey }))}>
            Dispute delivery
          </button>
        ) : null}
        {challengeMakesSense ? (
          <button className="danger" data-testid="detail-challenge" disabled={pending !== null} onClick={() => run("challenge", () => send({ type: "penalty.challenge", key: recordKey }))}>
            Challenge storage{bond ? ` (bond ${formatEth(bond)} ETH)` : ""}
          </button>
        ) : null}
        <button data-testid="detail-claim" hidden={!advice.canClaim} disabled={!advice.canClaim || pending !== null} onClick={() => run("claim", () => send({ type: "penalty.claim", key: recordKey }))}>
          Claim penalty{advice.claimable !== null ? ` (${formatEth(advice.claimable)} ETH)` : ""}
        </button>
        <RenewButton record={record} onError={onError} />
      </div>
      {advice.canDispute ? (
        <p className="muted" data-testid="detail-dispute-explain">
          A dispute asks the provider, through its contract, to deliver your receipt or refund you; if it does neither in time, you claim the price and the fine.
        </p>
      ) : null}
      {challengeMakesSense ? (
        <p className="muted" data-testid="detail-challenge-explain">
          A challenge makes the provider prove on chain, in time, that it still has the part of your file that failed the check; if it cannot, you claim the fine. The bond is a deposit: it pays the provider's cost of answering if it proves it, and comes back to you otherwise.
        </p>
      ) : null}
      {bond && challengeMakesSense ? (
        <div className="muted" data-testid="detail-bond" data-bond={bond}>
          Bond: {formatEth(bond)} ETH
        </div>
      ) : null}
      {record.actions.length ? (
        <table data-testid="detail-actions" style={{ marginTop: 8 }}>
          <tbody>
            {record.actions.map((a) => (
              <tr key={a.txHash} data-testid="detail-action" data-kind={a.kind} data-status={a.status}>
                <td>{a.kind}</td>
                <td>
                  <code>{shortHex(a.txHash, 8, 6)}</code>
                </td>
                <td>{a.status}</td>
                <td>{formatTime(a.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
