import { encodeAuditBatch } from "@pekanu/protocol";
import { fileRootOf, inclusionProof, merkleTreeHash, multiProofRanges } from "@pekanu/protocol/merkle";
import { describe, expect, it } from "vitest";
import type { Hex } from "viem";
import { bytesToBase64 } from "../../lib/commitment.ts";
import { defaultSettings, type Settings } from "../../lib/settings.ts";
import { detectionProbability } from "../../lib/watch/checkFile.ts";
import type { VaultRecord } from "../../lib/vault/schema.ts";
import { makeRecord } from "../../test-support/fixtures.ts";
import { memoryVault } from "../../test-support/background.ts";
import { memoryStore } from "../store.ts";
import { createBackgroundMessenger } from "../types.ts";
import { WATCH_KEY, WatchController, type WatchAlert, type WatchState } from "./watch.ts";

const SIZE = 100 * 1024; // 100 chunks
const bytes = new Uint8Array(SIZE).map((_, i) => (i * 7) % 251);
const chunks = Array.from({ length: 100 }, (_, i) => bytes.slice(i * 1024, (i + 1) * 1024));
const root = fileRootOf(bytes) as Hex;
const MIN = 60_000;

type Mode = "honest" | "lost" | "offline" | "damaged" | "old";

/** A provider's audit endpoint over the real Merkle tree: honest, missing chunks, offline, or the real server's "damaged" 500. */
function provider(state: { mode: Mode; lost: Set<number>; requests: number }) {
  return (async (input: RequestInfo | URL) => {
    state.requests++;
    if (state.mode === "offline") throw new TypeError("fetch failed");
    const url = new URL(String(input));
    if (state.mode === "damaged") return new Response(JSON.stringify({ error: { code: "Internal", message: "the stored file is damaged" } }), { status: 500 });
    if (url.pathname.endsWith("/audit-batch")) {
      // An older server has no such route.
      if (state.mode === "old") return new Response(JSON.stringify({ error: { code: "NotFound", message: `no route GET ${url.pathname}` } }), { status: 404 });
      const indices = url.searchParams.get("indices")!.split(",").map(Number);
      const proof = multiProofRanges({ indices, treeSize: 100 }).map(([start, count]) => merkleTreeHash({ leaves: chunks.slice(start, start + count) }));
      const body = encodeAuditBatch({ size: SIZE, indices, chunks: indices.map((i) => (state.lost.has(i) ? new Uint8Array(1024) : chunks[i]!)), proof });
      return new Response(body, { status: 200, headers: { "content-type": "application/octet-stream" } });
    }
    const index = Number(url.searchParams.get("index"));
    const chunk = state.lost.has(index) ? new Uint8Array(1024) : chunks[index]!;
    return new Response(JSON.stringify({ fileRoot: root, size: String(SIZE), index, chunk: bytesToBase64(chunk), proof: inclusionProof({ chunks, index }) }), { status: 200 });
  }) as typeof fetch;
}

async function setup({ mode = "honest" as Mode, lost = new Set<number>(), settings = {} as Partial<Settings>, store = memoryStore(), vault = memoryVault(), record = null as VaultRecord | null } = {}) {
  const clock = { now: 1_000_000_000_000 };
  const p = { mode, lost, requests: 0 };
  const messenger = createBackgroundMessenger();
  const s: Settings = { ...defaultSettings(), watchIntervalMinutes: 10, watchUnreachableMinutes: 5, ...settings };
  messenger.registerAction("settings:get", () => s);
  messenger.registerAction("vaultdb:open", async () => vault);
  messenger.registerAction("session:tokenFor", () => "token");
  messenger.registerAction("vault:changed", () => undefined);
  messenger.registerAction("vault:refreshChain", async (key) => (await vault.get(key))!);
  const shown: WatchAlert[] = [];
  const cleared: string[] = [];
  const badges: number[] = [];
  const alarms: number[] = [];
  const enforced: string[] = [];
  const r =
    record ??
    {
      ...(await makeRecord(1)),
      fileRoot: root,
      size: SIZE,
      link: `http://127.0.0.1:8788/v1/files/${root}`,
      fileName: "tax-records.pdf",
      quote: { ...(await makeRecord(1)).quote, storageUntil: String(Math.floor(clock.now / 1000) + 365 * 86_400) },
    };
  if (typeof vault.save === "function") await vault.save(r);
  let seed = 1;
  const watch = new WatchController({
    messenger,
    store,
    notifier: { show: (a) => void shown.push(a), clear: (id) => void cleared.push(id), badge: (n) => void badges.push(n) },
    schedule: (when) => void alarms.push(when),
    enforce: async (key, kind) => void enforced.push(`${kind}:${key}`),
    fetch: provider(p),
    now: () => clock.now,
    random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647),
  });
  return { watch, clock, p, shown, cleared, badges, alarms, enforced, vault, store, record: r, settings: s, messenger };
}

describe("watch controller", () => {
  it("checks an honest provider's file once per interval at a random time within it, 4 chunks each, no alert", async () => {
    const t = await setup();
    await t.watch.tick(); // schedules the first check within the first interval
    expect(t.p.requests).toBe(0);
    const first = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!;
    expect(first.dueAt).toBeGreaterThan(t.clock.now);
    expect(first.dueAt).toBeLessThan(t.clock.now + 10 * MIN);
    expect(t.alarms.at(-1)).toBe(Math.max(first.dueAt, t.clock.now + 1000));
    const dueTimes: number[] = [];
    for (let i = 0; i < 6; i++) {
      t.clock.now = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!.dueAt;
      dueTimes.push(t.clock.now);
      await t.watch.tick();
    }
    expect(t.p.requests).toBe(6); // one binary answer with the 4 chunks per check (GET {L}/audit-batch)
    const audits = (await t.vault.get(t.record.key))!.audits;
    expect(audits).toHaveLength(24);
    expect(audits.every((a) => a.ok)).toBe(true);
    // Checks fall one per interval but not at a fixed offset.
    const offsets = dueTimes.map((d) => (d - first.periodEnd + 10 * MIN) % (10 * MIN));
    expect(new Set(offsets.map((o) => Math.round(o / 1000))).size).toBeGreaterThan(3);
    expect(t.shown).toEqual([]);
    expect(t.badges.at(-1)).toBe(0);
  });

  it("a wrong chunk is a failed check at once: chunk index kept, notification in plain words, cleared once challenged", async () => {
    const t = await setup({ lost: new Set(Array.from({ length: 100 }, (_, i) => i)) });
    await t.watch.tick();
    t.clock.now += 10 * MIN;
    await t.watch.tick();
    const audits = (await t.vault.get(t.record.key))!.audits;
    const failed = audits.at(-1)!;
    expect(failed.ok).toBe(false);
    expect(t.p.requests).toBe(2); // the batch, then chunk by chunk up to the first bad one (it names the chunk)
    expect(t.shown).toHaveLength(1);
    expect(t.shown[0]).toMatchObject({ kind: "failed", id: `failed:${t.record.key}`, hash: `vault/${encodeURIComponent(t.record.key)}?action=challenge` });
    expect(t.shown[0]!.message).toContain("could not return part of tax-records.pdf");
    expect(t.shown[0]!.message).toContain(`chunk ${failed.index}`);
    expect(t.badges.at(-1)).toBe(1);
    // The person files the challenge: the alert clears.
    await t.vault.update(t.record.key, (r) => ({ ...r, actions: [{ kind: "challengeStorage", txHash: `0x${"ab".repeat(32)}`, at: t.clock.now, status: "pending" }] }));
    await t.watch.tick();
    expect(t.cleared).toEqual([`failed:${t.record.key}`]);
    expect(t.badges.at(-1)).toBe(0);
  });

  it("an older server without audit-batch (404) is checked chunk by chunk on the JSON route", async () => {
    const t = await setup({ mode: "old", record: { ...(await makeRecord(1)), fileRoot: root, size: SIZE, link: `http://127.0.0.2:8788/v1/files/${root}`, quote: { ...(await makeRecord(1)).quote, storageUntil: String(Math.floor(1_000_000_000_000 / 1000) + 365 * 86_400) } } });
    await t.watch.tick();
    t.clock.now = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!.dueAt;
    await t.watch.tick();
    expect(t.p.requests).toBe(1 + 4); // the 404, then 4 single-chunk audits
    t.clock.now = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!.dueAt;
    await t.watch.tick();
    expect(t.p.requests).toBe(1 + 4 + 4); // remembered: no second 404
    expect((await t.vault.get(t.record.key))!.audits).toHaveLength(8);
    expect((await t.vault.get(t.record.key))!.audits.every((a) => a.ok)).toBe(true);
    expect(t.shown).toEqual([]);
  });

  it("a batch that does not verify is a failed check naming the wrong chunk, even when the other chunks are fine", async () => {
    const t = await setup({ lost: new Set(Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 2 === 1)) });
    let failed: { ok: boolean; index: number } | undefined;
    for (let i = 0; i < 5 && !failed; i++) {
      t.clock.now = (await t.store.get<WatchState>(WATCH_KEY))?.files[t.record.key]?.dueAt ?? t.clock.now;
      await t.watch.tick();
      failed = (await t.vault.get(t.record.key))!.audits.find((a) => !a.ok);
    }
    expect(failed).toBeDefined();
    expect(failed!.index % 2).toBe(1);
    expect(t.shown.map((a) => a.kind)).toEqual(["failed"]);
  });

  it("the real server's 'stored file is damaged' answer is a failed check", async () => {
    const t = await setup({ mode: "damaged" });
    await t.watch.tick();
    t.clock.now += 10 * MIN;
    await t.watch.tick();
    expect((await t.vault.get(t.record.key))!.audits.at(-1)).toMatchObject({ ok: false });
    expect(t.shown.map((a) => a.kind)).toEqual(["failed"]);
  });

  it("an offline provider is no failed check: retried with backoff, 'unreachable' only after the threshold, cleared when it answers again", async () => {
    const t = await setup({ mode: "offline" });
    await t.watch.tick();
    t.clock.now += 10 * MIN;
    const start = t.clock.now;
    await t.watch.tick();
    const gaps: number[] = [];
    let last = t.clock.now;
    while (t.clock.now - start < 5 * MIN) {
      t.clock.now = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!.dueAt;
      gaps.push(t.clock.now - last);
      last = t.clock.now;
      if (t.clock.now - start < 5 * MIN) expect(t.shown).toEqual([]);
      await t.watch.tick();
    }
    expect(gaps.slice(0, 3)).toEqual([30_000, 60_000, 120_000]);
    expect((await t.vault.get(t.record.key))!.audits).toEqual([]); // nothing recorded as a failure
    expect(t.shown.map((a) => a.kind)).toEqual(["unreachable"]);
    expect(t.shown[0]!.message).toContain("unreachable since");
    t.p.mode = "honest";
    t.clock.now = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!.dueAt;
    await t.watch.tick();
    expect(t.cleared).toEqual([`unreachable:${t.record.key}`]);
    expect((await t.vault.get(t.record.key))!.audits.every((a) => a.ok)).toBe(true);
  });

  it("survives a stopped worker: a new controller over the same storage fires what came due while it was gone", async () => {
    const t = await setup({ lost: new Set([...Array(100).keys()]) });
    await t.watch.tick();
    const due = (await t.store.get<WatchState>(WATCH_KEY))!.files[t.record.key]!.dueAt;
    // The browser is closed for a day; a new worker (same store, same vault) starts.
    const again = await setup({ store: t.store, vault: t.vault, record: t.record, lost: new Set([...Array(100).keys()]) });
    again.clock.now = due + 86_400_000;
    await again.watch.tick();
    expect(again.p.requests).toBe(2); // the batch that failed, then the first chunk alone
    expect(again.shown.map((a) => a.kind)).toEqual(["failed"]);
    // A browser restart (runtime.onStartup) shows the persisted alerts again, with the badge.
    const restarted = await setup({ store: t.store, vault: t.vault, record: t.record });
    await restarted.watch.restoreNotifications();
    expect(restarted.shown.map((a) => a.id)).toEqual([`failed:${t.record.key}`]);
    expect(restarted.badges.at(-1)).toBe(1);
    // And a third worker does not announce the same alert twice.
    const third = await setup({ store: t.store, vault: t.vault, record: t.record });
    third.clock.now = again.clock.now + 1;
    await third.watch.tick();
    expect(third.shown).toEqual([]);
  });

  it("deadlines: the delivery window closing without a receipt, a passed challenge deadline (claim), storage ending in 7 days", async () => {
    const t = await setup();
    const base = (await t.vault.get(t.record.key))!;
    const nowS = Math.floor(t.clock.now / 1000);
    const params = { settleDelay: "3600", responseWindow: "600", challengeCooldown: "60", challengeBond: "1000" };
    const noReceipt = { ...base, key: "k-delivery", link: null, signature: null, paymentStatus: "mined" as const, chain: { state: "Paid", settled: false, paidAt: nowS - 3000, deadline: 0, lastChallengeAt: 0, chunkIndex: 0, readAt: t.clock.now, blockTime: nowS, params } };
    const challenged = { ...base, key: "k-claim", chain: { state: "Challenged", settled: true, paidAt: nowS - 9000, deadline: nowS + 30, lastChallengeAt: nowS - 570, chunkIndex: 3, readAt: t.clock.now, blockTime: nowS, params } };
    // (another file: a file renewed under a later order is not announced)
    const expiring = { ...base, key: "k-expiring", fileRoot: `0x${"11".repeat(32)}`, quote: { ...base.quote, storageUntil: String(nowS + 6 * 86_400) } };
    // Storage periods are in chain time: a chain 20 days ahead of the computer (test chains, a
    // wrong clock) makes a file stored until "now + 26 days" expire in 6 days of chain time; one
    // until "now + 6 days" whose chain reading is behind by 10 days is 16 days away.
    const chainAhead = { ...base, key: "k-chain-ahead", fileRoot: `0x${"22".repeat(32)}`, quote: { ...base.quote, storageUntil: String(nowS + 26 * 86_400) }, chain: { state: "Stored", settled: true, paidAt: nowS, deadline: 0, lastChallengeAt: 0, chunkIndex: 0, readAt: t.clock.now, blockTime: nowS + 20 * 86_400, params } };
    const chainBehind = { ...base, key: "k-chain-behind", fileRoot: `0x${"33".repeat(32)}`, quote: { ...base.quote, storageUntil: String(nowS + 6 * 86_400) }, chain: { ...chainAhead.chain, blockTime: nowS - 10 * 86_400 } };
    for (const r of [noReceipt, challenged, expiring, chainAhead, chainBehind]) await t.vault.save(r as VaultRecord);
    await t.watch.tick();
    expect(t.shown.map((a) => `${a.kind}:${a.key}`).sort()).toEqual(["delivery:k-delivery", "expiring:k-chain-ahead", "expiring:k-expiring"]);
    expect(t.alarms.at(-1)).toBeLessThanOrEqual(t.clock.now + MIN);
    t.clock.now += 31_000; // chain time passes the challenge's deadline
    await t.watch.tick();
    expect(t.shown.map((a) => a.kind)).toContain("claim");
    expect(t.shown.find((a) => a.kind === "claim")!.hash).toBe("vault/k-claim?action=claim");
  });

  it("auto-enforcement (opt-in) files the challenge within the spending cap only", async () => {
    const t = await setup({ lost: new Set([...Array(100).keys()]), settings: { watchAutoEnforce: true, watchSpendCapWei: "1500" } });
    await t.vault.update(t.record.key, (r) => ({ ...r, chain: { state: "Paid", settled: true, paidAt: 1, deadline: 0, lastChallengeAt: 0, chunkIndex: 0, readAt: t.clock.now, params: { settleDelay: "1", responseWindow: "1", challengeCooldown: "1", challengeBond: "1000" } } }));
    await t.watch.tick();
    t.clock.now += 10 * MIN;
    await t.watch.tick();
    expect(t.enforced).toEqual([`challengeStorage:${t.record.key}`]);
    expect((await t.store.get<WatchState>(WATCH_KEY))!.spentWei).toBe("1000");
    // A second failure would exceed the cap (1000 + 1000 > 1500): not sent.
    await t.watch.tick();
    expect(t.enforced).toHaveLength(1);
  });

  it("a vault that cannot be read changes nothing: schedule and alerts kept, retried in a minute", async () => {
    const t = await setup({ lost: new Set([...Array(100).keys()]) });
    await t.watch.tick();
    t.clock.now += 10 * MIN;
    await t.watch.tick();
    expect(t.shown.map((a) => a.kind)).toEqual(["failed"]);
    const before = structuredClone(await t.store.get<WatchState>(WATCH_KEY));
    const broken = await setup({ store: t.store, vault: { all: async () => { throw new Error("IndexedDB closed"); } } as never, record: t.record });
    broken.clock.now = t.clock.now + MIN;
    await broken.watch.tick();
    expect(broken.cleared).toEqual([]);
    expect(await t.store.get<WatchState>(WATCH_KEY)).toEqual(before);
    expect(broken.alarms).toEqual([broken.clock.now + MIN]);
  });

  it("the default of 4 chunks catches a 1 % loss with 1 − 0.99^4 per check", () => {
    expect(detectionProbability(0.01, 4)).toBeCloseTo(0.0394, 4);
    expect(detectionProbability(0.01, 4 * 4 * 30)).toBeGreaterThan(0.99); // a month at 4 checks a day
  });
});
