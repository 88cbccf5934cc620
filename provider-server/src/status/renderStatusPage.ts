import type { StatusSnapshot } from "./statusSnapshot.ts";

/** HTML-escapes anything shown on the page (event data comes from the chain, i.e. from anyone). */
export function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const row = (cells: unknown[], tag = "td") => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("")}</tr>`;
const table = (head: string[], rows: unknown[][]) =>
  rows.length === 0 ? "<p class=muted>none</p>" : `<table>${row(head, "th")}${rows.map((r) => row(r)).join("")}</table>`;

/** The read-only operator page (GET /): a rendering of the status snapshot, no scripts. */
export function renderStatusPage(status: StatusSnapshot): string {
  const s = status;
  const facts: [string, unknown][] = [
    ["chain", `${s.chain.chainId} ${s.chain.reachable ? "(reachable)" : "(UNREACHABLE)"}`],
    ["head / processed block", `${s.chain.headBlock ?? "?"} / ${s.chain.lastProcessedBlock} (confirmations ${s.chain.confirmations})`],
    ["contract", `${s.contract.address} (deploy block ${s.contract.deployBlock})`],
    ["owner", s.contract.owner],
    ["signer (contract)", s.contract.signer],
    ["signer (this server)", `${s.contract.serverSigner}${s.contract.signerMatches ? "" : " — MISMATCH: quotes are refused"}`],
    ["stake total / free", s.stake ? `${s.stake.totalEth} / ${s.stake.freeEth} ETH (locked ${s.stake.locked} wei)` : "unknown"],
    ["params", `settle ${s.contract.params.settleDelay}s, answer ${s.contract.params.responseWindow}s, cooldown ${s.contract.params.challengeCooldown}s, bond ${s.contract.params.challengeBond} wei`],
    ["registration", `${s.registration.policy}, ${s.registration.registeredClients} clients`],
    ["files", `${s.files.count} (${s.files.bytes} bytes)`],
    [
      "earnings",
      `${s.earnings.withdrawableEth ?? "?"} ETH withdrawable; collector ${s.earnings.collector.enabled ? "on" : "off"}, ${s.earnings.collector.settledSinceStart} settled / ${s.earnings.collector.releasedSinceStart} released since start${s.earnings.collector.lastError ? ` (last error: ${s.earnings.collector.lastError})` : ""}`,
    ],
    ["orders", `${s.orders.total} total, ${s.orders.unpaid} unpaid, ${s.orders.paidWithoutContent} paid awaiting content, ${s.orders.stored} stored`],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pekanu provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;margin-bottom:1rem}
td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;font-family:ui-monospace,monospace;font-size:12px}.muted{color:#777}</style>
</head><body>
<h1>Pekanu provider <small class=muted>${escapeHtml(s.version)}</small></h1>
${table(["", ""], facts)}
<h2>Orders by on-chain state</h2>
${table(["state", "orders"], Object.entries(s.orders.byChainState))}
<h2>Open disputes and challenges</h2>
${table(["kind", "order", "status", "attempts", "tx"], s.openDisputes.map((t) => [t.kind, t.orderId, t.status, t.attempts, t.txHash ?? ""]))}
<h2>Recent answers</h2>
${table(["kind", "order", "status", "attempts", "tx", "note"], s.recentTasks.map((t) => [t.kind, t.orderId, t.status, t.attempts, t.txHash ?? "", t.lastError ?? ""]))}
<h2>Recent contract events</h2>
${table(["block", "event", "order", "tx"], s.recentEvents.map((e) => [e.blockNumber, e.name, e.orderId ?? "", e.txHash]))}
</body></html>
`;
}
