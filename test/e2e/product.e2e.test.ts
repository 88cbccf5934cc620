/**
 * The extension as a product, in Chromium with the test wallet: the one "Open Pekanu" tab is
 * focused, not duplicated; several orders live side by side; two tabs cannot upload the same
 * order; the files home tells the truth about each file (stored, waiting for payment, not stored —
 * refunded) for real orders in those states; and an automated accessibility check (axe-core, WCAG
 * 2 A/AA rules) passes on the files home, a file's details, the store page, settings, credits and
 * the Compute screen (with jobs on it: compute.e2e).
 * Screens under test-results/product.e2e/.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Page } from "puppeteer-core";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH } from "../support/browser.ts";
import { chainView, type ChainView } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser, until } from "./support/pekanu.ts";
import { ACCOUNTS, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "product.e2e";
const CLIENT_KEY = devKey(ACCOUNTS.productClient);
const CLIENT = privateKeyToAccount(CLIENT_KEY).address;
const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
const files: Awaited<ReturnType<typeof makeTempFile>>[] = [];

type AxeViolation = { id: string; impact: string; help: string; nodes: { target: string[]; failureSummary: string }[] };

/** axe-core injected through the DevTools protocol (extension pages' CSP refuses injected script tags). */
async function axe(p: Page): Promise<AxeViolation[]> {
  await p.evaluate(axeSource);
  return p.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  }) as Promise<AxeViolation[]>;
}

async function expectAccessible(p: Page, name: string): Promise<void> {
  const violations = await axe(p);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

async function appTabs(): Promise<Page[]> {
  return (await pekanu.browser.pages()).filter((p) => p.url().includes("/tabs/app.html"));
}

describe.skipIf(!existsSync(CHROMIUM_PATH))("the extension as a product", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    for (const [name, size] of [["report.pdf", 30_000], ["photos.zip", 70_001], ["notes.txt", 5_000], ["unsent.bin", 9_000]] as const) files.push(await makeTempFile(name, size));
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

  test("'Open Pekanu' focuses the one Pekanu tab instead of opening another", async () => {
    expect(await appTabs()).toHaveLength(1);
    for (let i = 0; i < 2; i++) {
      const popup = await pekanu.openPopup();
      await pekanu.click(popup, "popup-open-app");
      await new Promise((r) => setTimeout(r, 500));
      await popup.close();
    }
    expect(await appTabs()).toHaveLength(1);
    await page.bringToFront();
  });

  test("a stored file and a second order side by side; the files home says which is which", async () => {
    await pekanu.reachChooseFile(page);
    await pekanu.storeFile(page, files[0]!.path);
    await pekanu.newOrder(page);
    await pekanu.chooseFile(page, files[3]!.path);
    await pekanu.requestQuote(page);
    // The Pay button names the network fee; the price per GB-month is shown.
    expect(await pekanu.text(page, "pay")).toMatch(/^Pay [\d.]+ ETH \+ about [\d.]+ ETH network fee$/);
    expect(await pekanu.text(page, "quote-per-gb-month")).toMatch(/ETH$/);
    await pekanu.shot(page, "01-store-page-pay-with-fee");

    const home = await pekanu.openApp("");
    try {
      await home.waitForSelector('[data-testid="file-row"][data-status="stored"]', { timeout: 30_000 });
      await home.waitForSelector('[data-testid="file-row"][data-status="waitingPayment"]', { timeout: 30_000 });
      const statuses = await home.$$eval('[data-testid="file-row"]', (rows) => rows.map((r) => [(r as HTMLElement).dataset.status, r.querySelector('[data-testid="file-status"]')?.textContent]));
      // What needs attention first: the unpaid order before the healthy one.
      expect(statuses.map((s) => s[0])).toEqual(["waitingPayment", "stored"]);
      expect(statuses[0]![1]).toBe("Waiting for payment");
      expect(statuses[1]![1]).toMatch(/^Stored, safe until \d{1,2} [A-Z][a-z]{2} \d{4}$/);
      await pekanu.shot(home, "02-files-home");
      await expectAccessible(home, "files home");

      // A row opens the file's details with the keyboard; a passed check shows when it was checked.
      await home.focus('[data-testid="file-row"][data-status="stored"]');
      await home.keyboard.press("Enter");
      await home.waitForSelector('[data-testid="vault-detail"]');
      await pekanu.click(home, "detail-audit");
      await home.waitForSelector('[data-testid="detail-audit-result"][data-ok="true"]', { timeout: 30_000 });
      // After a passed check there is no challenge to offer.
      expect(await home.$('[data-testid="detail-challenge"]')).toBeNull();
      expect(await pekanu.text(home, "detail-status")).toMatch(/^Stored, safe until .* · checked (just now|\d+ s ago)$/);
      await pekanu.shot(home, "03-file-details");
      await expectAccessible(home, "file details");
    } finally {
      await home.close();
      await page.bringToFront();
    }
  });

  test("two tabs cannot upload the same order", async () => {
    await pekanu.newOrder(page);
    await pekanu.chooseFile(page, files[1]!.path);
    await pekanu.requestQuote(page);
    await pekanu.pay(page);
    // Tab two holds the same file, ready to upload.
    const other = await pekanu.openApp("#store");
    await pekanu.waitForStep(other, "upload");
    await pekanu.setFile(other, "upload-file-input", files[1]!.path);
    await other.waitForSelector('[data-testid="upload-need-file"]', { hidden: true, timeout: 60_000 });
    // Tab one uploads, slowly.
    await page.bringToFront();
    await page.emulateNetworkConditions({ download: 8 << 20, upload: 4 << 10, latency: 0 });
    try {
      await pekanu.click(page, "upload-start");
      // The upload has started in tab one (its state, not a progress byte: the whole file is one
      // resumable-upload segment, counted when the provider has it).
      await until("tab one's upload to start", async () =>
        (await pekanu.orders(page)).some((o) => o.flow.file?.name === "photos.zip" && o.flow.upload?.status === "uploading"),
      );
      // Tab two is told the upload runs elsewhere; it sends nothing.
      await other.bringToFront();
      await pekanu.click(other, "upload-start");
      await other.waitForSelector('[data-testid="error-banner"][data-code="UploadElsewhere"]', { timeout: 30_000 });
      expect(await pekanu.text(other, "error-banner-message")).toMatch(/already being uploaded from another Pekanu tab/);
      await pekanu.shot(other, "04-second-tab-refused");
      await other.close();
      await page.bringToFront();
    } finally {
      // Never leave tab one throttled for the tests after this one.
      await page.emulateNetworkConditions(null);
    }
    await pekanu.waitForStep(page, "done", 120_000);
    const orders = await pekanu.orders(page);
    const uploaded = orders.find((o) => o.flow.file.name === "photos.zip")!;
    expect(uploaded.flow.upload).toMatchObject({ status: "done", attempts: 1 });
  });

  test("a paid file that never reached the provider, disputed: 'Not stored — refunded'", async () => {
    await pekanu.newOrder(page);
    await pekanu.chooseFile(page, files[2]!.path);
    await pekanu.requestQuote(page);
    await pekanu.pay(page);
    const home = await pekanu.openApp("");
    try {
      const row = '[data-testid="file-row"][data-status="notUploaded"]';
      await home.waitForSelector(row, { timeout: 30_000 });
      expect(await home.$eval(`${row} [data-testid="file-status"]`, (e) => e.textContent)).toBe("Paid — not uploaded yet");
      await home.click(row);
      await home.waitForSelector('[data-testid="vault-detail"]');
      // No receipt: a dispute is offered (explained in one sentence), a challenge is not.
      await until("the dispute to be offered", async () => {
        if (await home.$('[data-testid="detail-dispute"]')) return true;
        await pekanu.click(home, "detail-refresh-chain");
        return false;
      });
      expect(await home.$('[data-testid="detail-challenge"]')).toBeNull();
      expect(await pekanu.text(home, "detail-dispute-explain")).toMatch(/^A dispute asks the provider/);
      await pekanu.click(home, "detail-dispute");
      await home.waitForSelector('[data-testid="detail-action"][data-kind="disputeDelivery"][data-status="confirmed"]', { timeout: 60_000 });
      // The provider has no file for it: it refunds.
      await until(
        "the refund on chain",
        async () => {
          if (await home.$('[data-testid="detail-chain-state"] [data-state="Refunded"]')) return true;
          await pekanu.click(home, "detail-refresh-chain");
          await new Promise((r) => setTimeout(r, 500));
          return false;
        },
        90_000,
      );
      expect(await pekanu.text(home, "detail-status")).toBe("Not stored — refunded");
      // A finished order shows no action that no longer applies.
      expect(await home.$('[data-testid="detail-dispute"]')).toBeNull();
      await pekanu.shot(home, "05-file-refunded");
      await pekanu.click(home, "tab-files");
      await home.waitForSelector('[data-testid="file-row"][data-status="refunded"]', { timeout: 30_000 });
      await pekanu.shot(home, "06-files-home-refunded");
    } finally {
      await home.close();
      await page.bringToFront();
    }
  });

  test("accessibility of the store page, settings, credits and compute", async () => {
    await expectAccessible(page, "store page");
    const settings = await pekanu.browser.newPage();
    await settings.goto(`chrome-extension://${pekanu.extensionId}/options.html`, { waitUntil: "load" });
    await settings.waitForSelector('[data-testid="settings-wallet-id"]');
    await expectAccessible(settings, "settings");
    await pekanu.shot(settings, "07-settings");
    await settings.close();
    const credits = await pekanu.openApp("#credits");
    await credits.waitForSelector('[data-testid="credits-amount"]');
    await expectAccessible(credits, "credits");
    await pekanu.shot(credits, "08-credits");
    await credits.close();
    const compute = await pekanu.openApp("#compute");
    await compute.waitForSelector('[data-testid="compute-input-a"]');
    await expectAccessible(compute, "compute");
    await pekanu.shot(compute, "09-compute");
    await compute.close();
    void chain;
    void CLIENT;
    void until;
  });
});
