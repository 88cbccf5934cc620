/**
 * The watchtower's deadline notifications at chain time, through the real extension: a file paid
 * for and never delivered → "No receipt yet" once the delivery window (settleDelay) nears its end
 * in chain time (evm_increaseTime), with the dispute ready on click; a file stored for 8 days →
 * "Storage ends soon" only once CHAIN time is within 7 days of its end, Renew ready on click. Then
 * a browser restart: a new Chromium on the same profile keeps the schedule, the audit log and the
 * alert, and runs the check that came due while it was closed. Read through the service worker
 * (chrome.notifications.getAll). (The claim-at-deadline notification: watch.e2e.test.ts.)
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page, WebWorker } from "puppeteer-core";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, TEST_RESULTS_DIR } from "../support/browser.ts";
import { type ChainView, chainView, type VaultRecordJson } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser, until, until as until_ } from "./support/pekanu.ts";
import { ACCOUNTS, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "watch-deadlines.e2e";
let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
let profile: string;
const CLIENT_KEY = devKey(ACCOUNTS.watchDeadlinesClient);
type Audited = VaultRecordJson & { audits: { at: number; index: number; ok: boolean }[] };
let lease: Audited;
const files: Awaited<ReturnType<typeof makeTempFile>>[] = [];

async function worker(): Promise<WebWorker> {
  const target = await pekanu.browser.waitForTarget((t) => t.type() === "service_worker" && t.url().startsWith(`chrome-extension://${pekanu.extensionId}/`));
  const w = await target.worker();
  if (!w) throw new Error("no service worker");
  return w;
}
const recordOf = async (key: string) => (await pekanu.vaultRecords(page)).find((r) => r.key === key)! as Audited;
const notifications = async () => (await worker()).evaluate(() => chrome.notifications.getAll()) as Promise<Record<string, true>>;
const alertOf = async (id: string) =>
  (await worker()).evaluate((i) => (globalThis as never as { pekanu: { watch: { view: { alerts: Record<string, { message: string; hash: string }> } } } }).pekanu.watch.view.alerts[i] ?? null, id);

describe.skipIf(!existsSync(CHROMIUM_PATH))("the watchtower's deadline notifications", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    // A profile of our own: the restart test starts a second Chromium on it.
    profile = await mkdtemp(join(tmpdir(), "pekanu-watch-profile-"));
    await rm(join(TEST_RESULTS_DIR, SUITE), { recursive: true, force: true }); // (launch keeps them for a given profile)
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: CLIENT_KEY, userDataDir: profile });
    page = await pekanu.openApp();
  });
  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(() => pekanu?.shotAll(`failed-${task.name.slice(0, 40)}`));
  });
  afterAll(async () => {
    await pekanu?.close();
    if (profile) await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    for (const f of files) await f.cleanup();
    await releaseStack();
  });

  test("the watch settings on the options page: labelled, reached and set with the keyboard, saved", async () => {
    const options = await pekanu.browser.newPage();
    await options.goto(`chrome-extension://${pekanu.extensionId}/options.html`, { waitUntil: "load" });
    await options.waitForSelector('[data-testid="settings-watch-chunks"]');
    expect(await options.$eval('[data-testid="settings-watch-odds"]', (e) => e.textContent)).toBe("If a provider lost 1 % of a file, one check would notice with 3.9 % probability, and the 120 checks of 30 days with 99.2 %.");
    // Every control has a label, and Tab reaches each one in order.
    const ids = ["settings-watch-chunks", "settings-watch-interval", "settings-watch-unreachable", "settings-watch-auto", "settings-watch-cap"];
    for (const id of ids) expect(await options.$eval(`[data-testid="${id}"]`, (e) => (e as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? "")).not.toBe("");
    const focused: string[] = [];
    for (let i = 0; i < 20 && !focused.includes("settings-save"); i++) {
      await options.keyboard.press("Tab");
      focused.push((await options.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? "")) as string);
    }
    // (the spending cap is disabled until the opt-in is ticked)
    expect(focused.filter((f) => ids.includes(f))).toEqual(ids.slice(0, 4));
    await options.focus('[data-testid="settings-watch-chunks"]');
    await options.keyboard.down("Control");
    await options.keyboard.press("a");
    await options.keyboard.up("Control");
    await options.keyboard.type("8");
    await options.focus('[data-testid="settings-watch-auto"]');
    await options.keyboard.press("Space");
    await options.keyboard.press("Tab");
    expect(await options.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("settings-watch-cap");
    await options.keyboard.down("Control");
    await options.keyboard.press("a");
    await options.keyboard.up("Control");
    await options.keyboard.type("0.02");
    await options.focus('[data-testid="settings-save"]');
    await options.keyboard.press("Enter");
    await options.waitForSelector('[data-testid="settings-status"].ok');
    const saved = (await options.evaluate(() => chrome.runtime.sendMessage({ type: "view.get" }))) as { data: { settings: Record<string, unknown> } };
    expect(saved.data.settings).toMatchObject({ watchChunks: 8, watchAutoEnforce: true, watchSpendCapWei: "20000000000000000", watchIntervalMinutes: 360 });
    await pekanu.shot(options, "00-settings-watch");
    // Back to the defaults the tests below assume (no automatic challenge).
    await options.evaluate(() => chrome.runtime.sendMessage({ type: "settings.set", watchChunks: 4, watchAutoEnforce: false, watchSpendCapWei: "0" }));
    await options.close();
  });

  test("paid, no receipt: 'No receipt yet' when the delivery window nears its end in chain time, dispute ready", async () => {
    files.push(await makeTempFile("contract-scan.pdf", 20 * 1024 + 5));
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "settings.set", watchIntervalMinutes: 0.5, watchUnreachableMinutes: 0.5 }));
    await pekanu.reachChooseFile(page);
    await pekanu.chooseFile(page, files[0]!.path);
    await pekanu.requestQuote(page);
    await pekanu.pay(page);
    const record = await until("the paid order in the vault", async () => (await pekanu.vaultRecords(page)).find((r) => r.fileName === "contract-scan.pdf" && (r as VaultRecordJson & { paymentStatus: string }).paymentStatus === "mined") ?? null, 60_000);
    const id = `delivery:${record.key}`;
    expect(await notifications()).not.toHaveProperty(id);
    const { settleDelay } = await chain.params();
    const order = await chain.orderOf(record.orderId);
    const paidAt = order.paidAt;
    // Chain time to 30 s before the window closes (the notice comes in its last quarter / last minute).
    const target = paidAt + Number(settleDelay) - 30;
    const now = await chain.latestTimestamp();
    if (target > now) await chain.increaseTime(target - now);
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.refresh" }));
    await until("the delivery-window notification", async () => (await notifications())[id] === true, 150_000);
    const alert = (await alertOf(id))!;
    expect(alert.message).toMatch(/has not delivered a receipt for contract-scan\.pdf, and the price goes to the provider (in \d+ min|now)\. Dispute the delivery/);
    expect(alert.hash).toBe(`vault/${encodeURIComponent(record.key)}?action=dispute`);
    await page.close();
    page = await pekanu.openApp(`#${alert.hash}`);
    await page.waitForSelector('[data-testid="detail-dispute"][data-action-ready="true"]', { timeout: 30_000 });
    await pekanu.shot(page, "01-no-receipt-dispute-ready");
  });

  test("stored for 8 days: 'Storage ends soon' only once chain time is within 7 days of the end; the click opens the file with Renew ready", async () => {
    files.push(await makeTempFile("lease-2026.pdf", 8 * 1024 + 1));
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.clear" }));
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "settings.set", defaultStorageDays: 8 }));
    await page.close();
    page = await pekanu.openApp();
    await pekanu.newOrder(page);
    await pekanu.storeFile(page, files[1]!.path);
    lease = (await pekanu.vaultRecords(page)).find((r) => r.fileName === "lease-2026.pdf")! as Audited;
    const until = Number(lease.quote.storageUntil);
    const id = `expiring:${lease.key}`;
    expect(until - (await chain.latestTimestamp())).toBeGreaterThan(7 * 86_400);
    // A scheduled check (and its chain read) before the 7-day mark: nothing announced.
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.refresh" }));
    await until_("a first scheduled check of the file", async () => ((await recordOf(lease.key)).audits.length > 0 ? true : null), 90_000);
    expect(await notifications()).not.toHaveProperty(id);
    // Chain time to 7 days minus a minute before the end.
    await chain.increaseTime(until - 7 * 86_400 + 60 - (await chain.latestTimestamp()));
    await until_("the expiry notification", async () => (await notifications())[id] === true, 120_000);
    const alert = (await alertOf(id))!;
    expect(alert.message).toMatch(/^lease-2026\.pdf is stored until .*\. Renew to keep it\.$/);
    expect(alert.hash).toBe(`vault/${encodeURIComponent(lease.key)}?action=renew`);
    await page.close();
    page = await pekanu.openApp(`#${alert.hash}`);
    await page.waitForSelector('[data-testid="detail-renew"][data-action-ready="true"]', { timeout: 30_000 });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("detail-renew");
    await pekanu.shot(page, "02-expiring-renew-ready");
  });

  test("a browser restart (same profile) keeps the schedule, the audit log and the alert, and runs the check that came due while it was closed", async () => {
    const before = await recordOf(lease.key);
    // A due time within the next 30 s; then a 10-minute interval, so a schedule started afresh would
    // most likely not check within the first seconds, the one kept does (its time passed while closed).
    const due = await until_("the file's next due time", async () => {
      const state = (await (await worker()).evaluate(() => chrome.storage.local.get("watch"))) as { watch?: { files: Record<string, { dueAt: number }> } };
      const at = state.watch?.files[lease.key]?.dueAt;
      return at !== undefined && at > Date.now() + 3_000 ? at : null;
    }, 90_000);
    await page.evaluate(() => chrome.runtime.sendMessage({ type: "settings.set", watchIntervalMinutes: 10 }));
    await pekanu.close();
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 2_000));
    const reopenedAt = Date.now();
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: CLIENT_KEY, userDataDir: profile });
    const after = await until_("the check that came due while the browser was closed", async () => {
      // Read in the service worker (no page opened: nothing but the browser start wakes the watch).
      const r = (await pekanu.vaultRecords((await worker()) as unknown as Page)).find((x) => x.key === lease.key) as Audited | undefined;
      return r && r.audits.some((a) => a.at >= reopenedAt) ? r : null;
    }, 60_000);
    const firstNew = after.audits.find((a) => a.at >= reopenedAt)!;
    expect(firstNew.at - reopenedAt).toBeLessThan(45_000);
    expect(after.audits.slice(0, before.audits.length)).toEqual(before.audits); // the log kept
    expect(after.audits.every((a) => a.ok)).toBe(true);
    // The run saves the schedule after its checks: the next period is the 10-minute one set before closing.
    const state = await until_("the schedule saved after the check", async () => {
      const got = (await (await worker()).evaluate(() => chrome.storage.local.get("watch"))) as { watch: { files: Record<string, { periodEnd: number; lastCheckAt?: number }>; alerts: Record<string, unknown> } };
      const file = got.watch.files[lease.key];
      return file && (file.lastCheckAt ?? 0) >= reopenedAt ? got : null;
    }, 30_000);
    expect(state.watch.files[lease.key]!.periodEnd).toBeGreaterThan(reopenedAt + 9 * 60_000);
    expect(Object.keys(state.watch.alerts)).toContain(`expiring:${lease.key}`);
    // The alert was shown again after the restart (chrome.notifications do not survive it).
    await until_("the expiry notification after the restart", async () => (await notifications())[`expiring:${lease.key}`] === true, 30_000);
  });
});
