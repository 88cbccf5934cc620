/**
 * The watchtower (issue 12), through the real extension and the test wallet with a short
 * schedule (a check per file every 30 s, "unreachable" after 30 s): an honest provider passes the
 * scheduled checks and nothing is notified; then 1 % of the blob's chunks are lost behind the
 * server's back and the scheduled checks catch it without a click: a notification (read through
 * the service worker: chrome.notifications.getAll) and the badge; the challenge names the chunk
 * the check found; the provider cannot answer; past the deadline a "claim" notification; the claim
 * credits price + fine + bond in wei; the notifications clear. A second file: the provider cut off
 * from the extension's worker (connections refused) is reported "unreachable", no failed check and
 * no challenge offered; reachable again, the checks pass and the notification clears.
 * Screens under test-results/watch.e2e/ (copied to docs/screenshots/watch-*.png).
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { OrderState, serverContractAbi } from "@pekanu/protocol";
import { CHUNK_SIZE } from "@pekanu/protocol/merkle";
import type { CDPSession, Page, WebWorker } from "puppeteer-core";
import { type Address, decodeFunctionData, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH } from "../support/browser.ts";
import { type ChainView, chainView, quoteFromJson, type VaultRecordJson } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser, until } from "./support/pekanu.ts";
import { ACCOUNTS, blobPath, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "watch.e2e";
const CLIENT_KEY = devKey(ACCOUNTS.watchClient);
const CLIENT: Address = privateKeyToAccount(CLIENT_KEY).address;
const CHUNKS = 200;
const FILE_SIZE = CHUNKS * 1024;

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
type Audited = VaultRecordJson & { audits: { at: number; index: number; ok: boolean; problem?: string }[] };
let record: Audited;
const files: Awaited<ReturnType<typeof makeTempFile>>[] = [];

async function worker(): Promise<WebWorker> {
  const target = await pekanu.browser.waitForTarget((t) => t.type() === "service_worker" && t.url().startsWith(`chrome-extension://${pekanu.extensionId}/`));
  const w = await target.worker();
  if (!w) throw new Error("no service worker");
  return w;
}

async function notifications(): Promise<Record<string, true>> {
  return (await worker()).evaluate(() => chrome.notifications.getAll()) as Promise<Record<string, true>>;
}

async function alertOf(id: string): Promise<{ title: string; message: string; hash: string } | null> {
  return (await worker()).evaluate((i) => (globalThis as never as { pekanu: { watch: { view: { alerts: Record<string, { title: string; message: string; hash: string }> } } } }).pekanu.watch.view.alerts[i] ?? null, id);
}

async function badge(): Promise<string> {
  return (await worker()).evaluate(() => chrome.action.getBadgeText({}));
}

async function recordOf(key: string): Promise<Audited> {
  return (await pekanu.vaultRecords(page)).find((r) => r.key === key)! as Audited;
}

/**
 * Headless Chromium has no notification centre to photograph: the notification's own options
 * (chrome.notifications.create's title, message, icon and requireInteraction, as the service
 * worker shows them) are drawn in an extension page, laid out like a desktop notification.
 */
async function notificationShot(id: string, name: string): Promise<void> {
  const alert = (await alertOf(id))!;
  const icons = (await (await worker()).evaluate(() => chrome.runtime.getManifest().icons ?? {})) as Record<string, string>;
  const icon = icons[String(Math.max(...Object.keys(icons).map(Number)))];
  const shotPage = await pekanu.browser.newPage();
  await shotPage.setViewport({ width: 460, height: 190 });
  await shotPage.goto(`chrome-extension://${pekanu.extensionId}/tabs/app.html#/notification-preview`, { waitUntil: "load" });
  await shotPage.evaluate(
    ({ title, message, icon: src }) => {
      document.head.innerHTML = "";
      document.body.innerHTML = "";
      document.body.style.cssText = "margin:0;background:#dfe3e8;font:14px system-ui,sans-serif";
      const card = document.createElement("div");
      card.style.cssText = "margin:14px;padding:14px 16px;background:#fff;border-radius:10px;box-shadow:0 2px 10px #0003;display:flex;gap:12px";
      const img = document.createElement("img");
      img.src = src;
      img.style.cssText = "width:48px;height:48px";
      const text = document.createElement("div");
      const origin = document.createElement("div");
      origin.textContent = "Pekanu · now";
      origin.style.cssText = "color:#5f6368;font-size:12px";
      const h = document.createElement("div");
      h.textContent = title;
      h.style.cssText = "font-weight:600;margin:2px 0 4px";
      const p = document.createElement("div");
      p.textContent = message;
      p.style.cssText = "color:#202124;line-height:1.35";
      text.append(origin, h, p);
      card.append(img, text);
      document.body.append(card);
    },
    { title: alert.title, message: alert.message, icon: `chrome-extension://${pekanu.extensionId}/${icon}` },
  );
  await pekanu.shot(shotPage, name);
  await shotPage.close();
}

type StatusTask = { kind: string; orderId: string; status: string; lastError: string | null };

describe.skipIf(!existsSync(CHROMIUM_PATH))("the watchtower checks stored files on its own", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: CLIENT_KEY });
    page = await pekanu.openApp();
  });

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(() => pekanu?.shotAll(`failed-${task.name.slice(0, 40)}`));
  });

  afterAll(async () => {
    if (pekanu?.shots.length) console.log(`${SUITE} screenshots:\n  ${pekanu.shots.join("\n  ")}`);
    await pekanu?.close();
    for (const f of files) await f.cleanup();
    await releaseStack();
  });

  test("a file stored, a short schedule set: the honest provider passes the scheduled checks, nothing is notified", async () => {
    files.push(await makeTempFile("tax-records.pdf", FILE_SIZE));
    await pekanu.reachChooseFile(page);
    await pekanu.storeFile(page, files[0]!.path);
    record = (await pekanu.vaultRecords(page))[0] as Audited;
    const answer = await page.evaluate(() => chrome.runtime.sendMessage({ type: "settings.set", watchIntervalMinutes: 0.5, watchUnreachableMinutes: 0.5, watchChunks: 4 }));
    expect(answer).toMatchObject({ ok: true, data: { watchIntervalMinutes: 0.5, watchChunks: 4 } });
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.refresh" })); // resume: the watch schedules the new file
    const audits = await until("two scheduled checks (8 chunks)", async () => {
      const r = await recordOf(record.key);
      return r.audits.length >= 8 ? r.audits : null;
    }, 150_000);
    expect(audits.every((a) => a.ok)).toBe(true);
    expect(await notifications()).toEqual({});
    expect(await badge()).toBe("");
    const home = await pekanu.openApp("");
    await home.waitForSelector(`[data-testid="file-row"][data-key="${record.key}"][data-status="stored"]`, { timeout: 30_000 });
    expect(await home.$eval(`[data-testid="file-row"][data-key="${record.key}"] [data-testid="file-status"]`, (e) => e.textContent)).toMatch(/· checked /);
    await pekanu.shot(home, "01-honest-checked");
    await home.close();
  });

  test("1 % of the chunks lost behind the provider's back: caught by the scheduled checks without a click, notified", async () => {
    const blob = blobPath(stack, record.fileRoot);
    const bytes = await readFile(blob);
    const lost = [37, 151]; // 2 of 200 chunks
    for (const i of lost) bytes.fill(0, i * 1024, (i + 1) * 1024);
    await writeFile(blob, bytes);
    const id = `failed:${record.key}`;
    await until("the failed-check notification", async () => (await notifications())[id] === true, 150_000);
    const alert = (await alertOf(id))!;
    expect(alert.message).toMatch(/^Provider 127\.0\.0\.1:\d+ could not return part of tax-records\.pdf \(chunk \d+\) — challenge it on chain; you put down a bond/);
    expect(alert.hash).toBe(`vault/${encodeURIComponent(record.key)}?action=challenge`);
    expect(await badge()).toBe("1");
    const failed = (await recordOf(record.key)).audits.at(-1)!;
    expect(failed.ok).toBe(false);
    expect(alert.message).toContain(`(chunk ${failed.index})`);
    await notificationShot(id, "00-notification-failed-check");
    // A click on the notification opens the file with the challenge ready.
    await page.close();
    page = await pekanu.openApp(`#${alert.hash}`);
    await page.waitForSelector('[data-testid="detail-challenge"][data-action-ready="true"]', { timeout: 30_000 });
    await pekanu.shot(page, "02-failed-check-challenge-ready");
  });

  test("the challenge names the failed chunk, the provider cannot answer, the claim (notified at the deadline) pays price + fine + bond", async () => {
    const failedIndex = (await recordOf(record.key)).audits.at(-1)!.index;
    const bond = (await chain.params()).challengeBond;
    await pekanu.click(page, "detail-challenge");
    await page.waitForSelector('[data-testid="detail-action"][data-kind="challengeStorage"][data-status="confirmed"]', { timeout: 60_000 });
    const challengeTx = (await recordOf(record.key)).actions.find((a) => a.kind === "challengeStorage")!;
    expect(challengeTx.value).toBe(bond.toString());
    const { receipt } = await chain.txCost(challengeTx.txHash);
    const [challenged] = parseEventLogs({ abi: serverContractAbi, eventName: "StorageChallenged", logs: receipt.logs });
    expect(challenged!.args.chunkIndices).toEqual([BigInt(failedIndex)]);
    // Challenged: the failed-check notification clears.
    await until("the failed-check notification cleared", async () => !(await notifications())[`failed:${record.key}`], 60_000);
    await until("the provider's answer to fail", async () => {
      const status = (await (await fetch(`${stack.providerUrl}/v1/status`)).json()) as { recentTasks: StatusTask[] };
      return status.recentTasks.some((t) => t.orderId.toLowerCase() === record.orderId.toLowerCase() && t.status === "failed");
    });
    expect((await chain.orderOf(record.orderId)).state).toBe(OrderState.Challenged);
    expect(await notifications()).toEqual({}); // the deadline has not passed: nothing to claim yet
    const { deadline } = await chain.pendingOf(record.orderId);
    await chain.increaseTime(Math.max(1, deadline - (await chain.latestTimestamp()) + 1));
    await until("the claim notification at the deadline", async () => (await notifications())[`claim:${record.key}`] === true, 150_000);
    expect((await alertOf(`claim:${record.key}`))!.message).toMatch(/Claim the penalty now/);
    await page.close();
    page = await pekanu.openApp(`#vault/${encodeURIComponent(record.key)}?action=claim`);
    await page.waitForSelector('[data-testid="detail-claim"][data-action-ready="true"]:not([disabled])', { timeout: 60_000 });
    await pekanu.shot(page, "03-claim-offered");
    const quote = quoteFromJson(record.quote);
    const before = await chain.withdrawable(CLIENT);
    await pekanu.click(page, "detail-claim");
    await page.waitForSelector('[data-testid="detail-action"][data-kind="claimPenalty"][data-status="confirmed"]', { timeout: 60_000 });
    expect((await chain.orderOf(record.orderId)).state).toBe(OrderState.Penalized);
    expect((await chain.withdrawable(CLIENT)) - before).toBe(quote.price + quote.fine + bond);
    await until("every notification cleared", async () => Object.keys(await notifications()).length === 0, 120_000);
    expect(await badge()).toBe("");
    await pekanu.shot(page, "04-claimed");
  });

  test("the provider unreachable longer than the threshold: 'unreachable' notified, no failed check, no challenge; reachable again: checks pass, cleared", async () => {
    files.push(await makeTempFile("holiday-photos.zip", 40 * 1024 + 3));
    await page.close();
    page = await pekanu.openApp();
    await pekanu.newOrder(page);
    await pekanu.storeFile(page, files[1]!.path);
    const second = (await pekanu.vaultRecords(page)).find((r) => r.fileName === "holiday-photos.zip")!;
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.refresh" }));
    await until("a passing check of the second file", async () => ((await recordOf(second.key)).audits.some((a) => a.ok) ? true : null), 150_000);
    const passedBefore = (await recordOf(second.key)).audits.length;
    // The provider cut off from the extension: every connection from the worker to it refused.
    const target = await pekanu.browser.waitForTarget((t) => t.type() === "service_worker" && t.url().startsWith(`chrome-extension://${pekanu.extensionId}/`));
    const cdp: CDPSession = await target.createCDPSession();
    cdp.on("Fetch.requestPaused", (e: { requestId: string }) => void cdp.send("Fetch.failRequest", { requestId: e.requestId, errorReason: "ConnectionRefused" }).catch(() => undefined));
    await cdp.send("Fetch.enable", { patterns: [{ urlPattern: `${stack.providerUrl}/*` }] });
    const id = `unreachable:${second.key}`;
    await until("the unreachable notification", async () => (await notifications())[id] === true, 180_000);
    expect((await alertOf(id))!.message).toMatch(/has been unreachable since .*; holiday-photos\.zip could not be checked/);
    const during = await recordOf(second.key);
    expect(during.audits.length).toBe(passedBefore); // no check recorded as failed
    expect(during.audits.every((a) => a.ok)).toBe(true);
    expect(await notifications()).not.toHaveProperty(`failed:${second.key}`);
    await page.close();
    page = await pekanu.openApp(`#vault/${encodeURIComponent(second.key)}`);
    await page.waitForSelector('[data-testid="vault-detail"]');
    expect(await page.$('[data-testid="detail-challenge"]')).toBeNull();
    await pekanu.shot(page, "05-unreachable-no-challenge");
    await cdp.send("Fetch.disable");
    await cdp.detach();
    await until("the unreachable notification cleared", async () => !(await notifications())[id], 180_000);
    const after = await until("a passing check recorded", async () => {
      const r = await recordOf(second.key);
      return r.audits.length > passedBefore ? r : null;
    }, 60_000);
    expect(after.audits.every((a) => a.ok)).toBe(true);
  });

  test("against the honest provider a challenge is answered: the client gets the bond back less the answer's cost, the provider only that cost, in wei; nothing notified", async () => {
    const second = (await pekanu.vaultRecords(page)).find((r) => r.fileName === "holiday-photos.zip")!;
    const bond = (await chain.params()).challengeBond;
    const owner = (await chain.client.readContract({ address: stack.contract, abi: serverContractAbi, functionName: "owner" })) as Address;
    const clientBefore = await chain.withdrawable(CLIENT);
    // The page offers a challenge only after a failed check; the background takes it any time.
    const answer = await page.evaluate((key) => chrome.runtime.sendMessage({ type: "penalty.challenge", key }), second.key);
    expect(answer).toMatchObject({ ok: true });
    const proven = await until("the provider's answer on chain (StorageProven)", async () => {
      const logs = await chain.client.getContractEvents({ address: stack.contract, abi: serverContractAbi, eventName: "StorageProven", args: { orderId: second.orderId }, fromBlock: 0n });
      return logs[0] ?? null;
    }, 120_000);
    const challengeTx = (await recordOf(second.key)).actions.find((a) => a.kind === "challengeStorage")!;
    expect(challengeTx.value).toBe(bond.toString()); // one named chunk: one bond
    const { paidToProvider, returnedToClient, chunkIndices } = proven.args as { paidToProvider: bigint; returnedToClient: bigint; chunkIndices: readonly bigint[] };
    expect(chunkIndices).toHaveLength(1);
    expect(paidToProvider + returnedToClient).toBe(bond);
    expect(paidToProvider).toBeGreaterThan(0n);
    expect(returnedToClient).toBeGreaterThan(0n);
    // The provider's share is exactly the answer's gas bound at that block's base fee (the contract's own bondSplit).
    // The bound counts the proof's actual length: in a tree of 41 chunks a chunk's audit path is 5 or 6 nodes long, so
    // the split is read for a tree of 2^length chunks, whose every path has that length.
    const block = await chain.client.getBlock({ blockNumber: proven.blockNumber! });
    const answerTx = await chain.client.getTransaction({ hash: proven.transactionHash! });
    const { functionName, args: answerArgs } = decodeFunctionData({ abi: serverContractAbi, data: answerTx.input });
    expect(functionName).toBe("respondStorage");
    const proofs = (answerArgs as readonly unknown[])[3] as readonly (readonly Hex[])[];
    expect(proofs).toHaveLength(1);
    const sizeForPathLength = BigInt(CHUNK_SIZE) << BigInt(proofs[0]!.length);
    const [, toProvider, toClient] = (await chain.client.readContract({ address: stack.contract, abi: serverContractAbi, functionName: "bondSplit", args: [sizeForPathLength, 1n, block.baseFeePerGas!], blockNumber: proven.blockNumber! })) as [bigint, bigint, bigint];
    expect([paidToProvider, returnedToClient]).toEqual([toProvider, toClient]);
    // In wei from the chain: the client's credit grew by the returned part, the provider's (the owner's withdrawable) by its share in that block.
    expect((await chain.withdrawable(CLIENT)) - clientBefore).toBe(returnedToClient);
    const withdrawableAt = (blockNumber: bigint) => chain.client.readContract({ address: stack.contract, abi: serverContractAbi, functionName: "withdrawable", args: [owner], blockNumber }) as Promise<bigint>;
    expect((await withdrawableAt(proven.blockNumber!)) - (await withdrawableAt(proven.blockNumber! - 1n))).toBe(paidToProvider);
    expect((await chain.orderOf(second.orderId)).state).toBe(OrderState.Paid);
    // Nothing to tell the person: no notification, no badge, the checks still pass.
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.refresh" }));
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await notifications()).toEqual({});
    expect(await badge()).toBe("");
    expect((await recordOf(second.key)).audits.every((a) => a.ok)).toBe(true);
  });
});
