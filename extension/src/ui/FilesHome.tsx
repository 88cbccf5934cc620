// The files home: every file with one plain status, what needs attention first. A row opens the
// file's details (one click away: order id, root, receipt, transactions live there).
import { useEffect, useMemo, useState } from "react";
import type { OrderSummary } from "../background/controllers/orders.ts";
import type { HumanError } from "../lib/errors.ts";
import { byAttention, fileStatusOf, type FileStatus } from "../lib/fileStatus.ts";
import { formatBytes, relativeTime } from "../lib/format.ts";
import type { VaultListAnswer, View } from "../lib/messages.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { humanOf, send } from "./background.ts";

const PAGE = 50;

type Row = { key: string; name: string; size: number; status: FileStatus; createdAt: number; record: VaultRecord | null; order: OrderSummary | null };

export function FilesHome({ view, onError, openDetails, openStore }: { view: View; onError: (e: HumanError) => void; openDetails: (key: string) => void; openStore: (orderId?: string) => void }) {
  const [records, setRecords] = useState<VaultRecord[] | null>(null);
  const [total, setTotal] = useState(0);
  useEffect(() => {
    let cancelled = false;
    send<VaultListAnswer>({ type: "vault.list", offset: 0, limit: PAGE })
      .then((answer) => {
        if (cancelled) return;
        setRecords(answer.items);
        setTotal(answer.total);
        if (!performance.getEntriesByName("pekanu:files-first-page").length) performance.mark("pekanu:files-first-page");
      })
      .catch((err) => onError(humanOf(err)));
    return () => {
      cancelled = true;
    };
  }, [view.vault.version, onError]);

  const rows = useMemo(() => {
    const byKey = new Map((records ?? []).map((r) => [r.key, r]));
    const list: Row[] = [];
    const seen = new Set<string>();
    for (const order of view.orders) {
      const record = order.vaultKey ? (byKey.get(order.vaultKey) ?? null) : null;
      if (order.vaultKey) seen.add(order.vaultKey);
      list.push({ key: order.vaultKey ?? `order:${order.id}`, name: order.fileName, size: order.size, status: fileStatusOf(record, order, view.now), createdAt: order.createdAt, record, order });
    }
    for (const record of records ?? []) {
      if (seen.has(record.key)) continue;
      list.push({ key: record.key, name: record.fileName || "(no name)", size: record.size, status: fileStatusOf(record, null, view.now), createdAt: record.createdAt, record, order: null });
    }
    return list.sort(byAttention);
  }, [records, view.orders, view.now]);

  const open = (row: Row) => {
    if (row.record) openDetails(row.record.key);
    else openStore(row.order?.id);
  };

  return (
    <section className="card" data-testid="files-home" aria-labelledby="files-title">
      <div className="row">
        <h2 id="files-title" className="grow">
          Your files
        </h2>
        <button data-testid="files-store" onClick={() => openStore()}>
          Store a file
        </button>
      </div>
      {records === null ? (
        <p className="muted" data-testid="files-loading">
          Loading…
        </p>
      ) : rows.length === 0 ? (
        <p data-testid="files-empty">No files yet. Store your first file: you pay once, the provider keeps it until the date you choose, and you can check at any time that it still has it.</p>
      ) : (
        <ul className="files" data-testid="files-list" data-total={Math.max(total, rows.length)}>
          {rows.map((row) => (
            <li key={row.key}>
              <button
                className="file-row"
                data-testid="file-row"
                data-key={row.key}
                data-status={row.status.kind}
                onClick={() => open(row)}
                title="Open the details"
              >
                <span className="file-name">{row.name}</span>
                <span className="muted file-size">{formatBytes(row.size)}</span>
                <span className={`file-status ${row.status.tone}`} data-testid="file-status" title={row.status.title}>
                  {row.status.text}
                </span>
                <span className="muted file-age" title={new Date(row.createdAt).toLocaleString()}>
                  {relativeTime(row.createdAt, view.now)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {total > PAGE ? (
        <p className="muted" data-testid="files-more">
          Showing the {PAGE} newest of {total} files; search them all in the details list.
        </p>
      ) : null}
    </section>
  );
}
