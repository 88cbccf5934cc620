/**
 * Drives the Pekanu extension's pages in Chromium (puppeteer-core) for the end-to-end tests: a
 * fresh profile with the test wallet and the Pekanu e2e build, the client's steps as small
 * helpers that click data-testid elements and wait on data-testid states (never on fixed sleeps),
 * screenshots into test-results/<suite>/, and reads of the extension's own storage (flow state
 * in chrome.storage.local, receipts vault in IndexedDB).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Browser, ElementHandle, Page } from "puppeteer-core";
import type { Hex } from "viem";
import {
  type BrowserSession,
  REPO_ROOT,
  TEST_RESULTS_DIR,
  clearWalletLog,
  launchBrowser,
  screenshot,
  setWalletOptions,
  stopServiceWorker,
  walletControlPage,
} from "../../support/browser.ts";
import type { WalletOptions } from "../../wallet-extension/src/options.ts";
import { WALLET_EXTENSION_ID } from "../../wallet-extension/walletId.ts";
import type { VaultRecordJson } from "./chain.ts";
import type { StackInfo } from "./stack.ts";

export type Step =
  | "connect"
  | "signIn"
  | "register"
  | "registering"
  | "chooseFile"
  | "quote"
  | "pay"
  | "confirming"
  | "upload"
  | "verifyReceipt"
  | "done"
  | "receiptInvalid";

const APP_VIEWPORT = { width: 1200, height: 900 };
const POPUP_VIEWPORT = { width: 380, height: 560 };
const sel = (testid: string) => `[data-testid="${testid}"]`;

/** Polls `probe` every 100 ms until it returns something truthy. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : lastError})` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A temp file of `size` random bytes (unique content: never deduplicated by accident). */
export async function makeTempFile(name: string, size: number): Promise<{ path: string; bytes: Buffer; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pekanu-e2e-file-"));
  const file = path.join(dir, name);
  const bytes = randomBytes(size);
  await writeFile(file, bytes);
  return { path: file, bytes, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export class PekanuBrowser {
  readonly shots: string[] = [];
  readonly session: BrowserSession;
  readonly extensionId: string;
  readonly stack: StackInfo;
  readonly suite: string;

  private constructor(session: BrowserSession, extensionId: string, stack: StackInfo, suite: string) {
    this.session = session;
    this.extensionId = extensionId;
    this.stack = stack;
    this.suite = suite;
  }

  /** Chromium with a fresh profile, the test wallet (holding `clientKey`) and the Pekanu e2e build. */
  static async launch({ stack, suite, clientKey, wallet = {}, userDataDir }: { stack: StackInfo; suite: string; clientKey: Hex; wallet?: Partial<WalletOptions>; userDataDir?: string }) {
    // This run's screens only (no failure pictures left from an earlier run); kept on a restart.
    if (userDataDir === undefined) await rm(path.join(TEST_RESULTS_DIR, suite), { recursive: true, force: true });
    // The wallet first: Pekanu's service worker connects to it as soon as it starts. With
    // `userDataDir` (a browser restart): that profile, kept on close.
    const session = await launchBrowser({ extensions: [stack.walletDir, stack.extensionDir], ...(userDataDir ? { userDataDir } : {}) });
    try {
      const [walletId, extensionId] = session.extensionIds as [string, string];
      if (walletId !== WALLET_EXTENSION_ID) throw new Error(`test wallet installed as ${walletId}, expected ${WALLET_EXTENSION_ID}`);
      const pekanu = new PekanuBrowser(session, extensionId, stack, suite);
      await setWalletOptions(session.browser, { rpcUrl: stack.rpcUrl, privateKey: clientKey, ...wallet });
      await clearWalletLog(session.browser);
      if (process.env.PEKANU_E2E_DEBUG) await pekanu.mirrorServiceWorkerConsole();
      return pekanu;
    } catch (error) {
      await session.close();
      throw error;
    }
  }

  get browser(): Browser {
    return this.session.browser;
  }

  close(): Promise<void> {
    return this.session.close();
  }

  private async mirrorServiceWorkerConsole(): Promise<void> {
    const attach = async () => {
      const target = await this.browser.waitForTarget((t) => t.type() === "service_worker" && t.url().startsWith(`chrome-extension://${this.extensionId}/`));
      (await target.worker())?.on("console", (m) => process.stderr.write(`  ${new Date().toISOString().slice(11, 23)} [pekanu sw ${m.type()}] ${m.text().slice(0, 400)}\n`));
    };
    await attach();
    this.browser.on("targetcreated", (t) => {
      if (t.type() === "service_worker" && t.url().startsWith(`chrome-extension://${this.extensionId}/`)) {
        void t.worker().then((w) => w?.on("console", (m) => process.stderr.write(`  ${new Date().toISOString().slice(11, 23)} [pekanu sw ${m.type()}] ${m.text().slice(0, 400)}\n`)));
      }
    });
  }

  // ───────────────────────────── pages ─────────────────────────────

  /**
   * The full page (tabs/app.html), once the background's view arrived. The flow tests work on the
   * store page (`#store`); the files home is the page without a hash (`""`).
   */
  async openApp(hash = "#store"): Promise<Page> {
    const page = await this.browser.newPage();
    await page.setViewport(APP_VIEWPORT);
    await page.goto(`chrome-extension://${this.extensionId}/tabs/app.html${hash}`, { waitUntil: "load" });
    if (!hash.startsWith("#vault")) await page.waitForSelector(`${sel("app")}[data-step]`, { timeout: 30_000 });
    return page;
  }

  /** The toolbar popup's page, once the view arrived. */
  async openPopup(): Promise<Page> {
    const page = await this.browser.newPage();
    await page.setViewport(POPUP_VIEWPORT);
    await page.goto(`chrome-extension://${this.extensionId}/popup.html`, { waitUntil: "load" });
    await page.waitForSelector(`${sel("popup")}[data-step]`, { timeout: 30_000 });
    return page;
  }

  async shot(page: Page, name: string): Promise<string> {
    // A background tab renders no frames (and cannot be captured): bring it to the front, and let
    // React commit what the last view push changed before the picture.
    await page.bringToFront();
    await page.evaluate(
      () => new Promise((resolve) => {
        requestAnimationFrame(() => requestAnimationFrame(resolve));
        setTimeout(resolve, 500);
      }),
    );
    const file = await screenshot(page, this.suite, name);
    this.shots.push(path.relative(REPO_ROOT, file));
    return file;
  }

  /** Screenshots of every open page (for a failed test). */
  async shotAll(prefix: string): Promise<void> {
    const pages = await this.browser.pages().catch(() => [] as Page[]);
    let i = 0;
    for (const page of pages) {
      if (page.url().startsWith("about:")) continue;
      await this.shot(page, `${prefix}-${++i}`).catch(() => undefined);
    }
  }

  // ───────────────────────────── state ─────────────────────────────

  async step(page: Page): Promise<Step | ""> {
    return page.$eval(sel("app"), (el) => ((el as HTMLElement).dataset.step ?? "") as Step | "").catch(() => "" as const);
  }

  /** What the page shows right now (for failure messages). */
  async describe(page: Page): Promise<string> {
    return page
      .evaluate(() => {
        const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null;
        const app = document.querySelector('[data-testid="app"]') as HTMLElement | null;
        return JSON.stringify({ step: app?.dataset.step, next: text("next-action"), busy: text("busy-status"), error: text("error-banner") });
      })
      .catch((error: unknown) => `(page unreadable: ${error})`);
  }

  async waitForStep(page: Page, step: Step | Step[], timeoutMs = 60_000): Promise<Step> {
    const steps = Array.isArray(step) ? step : [step];
    try {
      await page.waitForSelector(steps.map((s) => `${sel("app")}[data-step="${s}"]`).join(", "), { timeout: timeoutMs });
    } catch (error) {
      throw new Error(`step ${steps.join(" | ")} not reached in ${timeoutMs} ms; the page shows ${await this.describe(page)}`, { cause: error });
    }
    return (await this.step(page)) as Step;
  }

  /** Waits for an element, enabled, and clicks it. */
  async click(page: Page, testid: string, timeoutMs = 30_000): Promise<void> {
    const handle = await page.waitForSelector(`${sel(testid)}:not([disabled])`, { timeout: timeoutMs }).catch(async (error: unknown) => {
      throw new Error(`${testid} not clickable in ${timeoutMs} ms; the page shows ${await this.describe(page)}`, { cause: error });
    });
    await handle!.click();
  }

  async text(page: Page, testid: string): Promise<string> {
    return page.$eval(sel(testid), (el) => el.textContent?.trim() ?? "");
  }

  /**
   * The state of the order on screen with its provider session, as the background persisted it:
   * the session under "session", each order under "order/<id>", the one on screen under
   * "orders.current" (composed here from storage, not from the page).
   */
  async flowState(page: Page): Promise<FlowStateJson> {
    return page.evaluate(async () => {
      const stored = await chrome.storage.local.get(null);
      const session = (stored.session ?? { provider: null, session: null, registration: null, error: null }) as Record<string, unknown>;
      const current = stored["orders.current"] as string | null | undefined;
      const entry = current ? (stored[`order/${current}`] as { flow: unknown; error: unknown } | undefined) : undefined;
      return { ...session, order: entry?.flow ?? null, error: entry?.error ?? session.error ?? null };
    }) as Promise<FlowStateJson>;
  }

  /** Every order the background keeps (chrome.storage.local "order/<id>"). */
  async orders(page: Page): Promise<{ id: string; flow: NonNullable<FlowStateJson["order"]>; error: { code: string } | null }[]> {
    return page.evaluate(async () => {
      const stored = await chrome.storage.local.get(null);
      return Object.entries(stored)
        .filter(([key]) => key.startsWith("order/"))
        .map(([, value]) => value);
    }) as Promise<{ id: string; flow: NonNullable<FlowStateJson["order"]>; error: { code: string } | null }[]>;
  }

  /** Every record of the receipts vault, read with the plain IndexedDB API in an extension page. */
  async vaultRecords(page: Page): Promise<VaultRecordJson[]> {
    return page.evaluate(
      () =>
        new Promise<unknown[]>((resolve, reject) => {
          const open = indexedDB.open("pekanu-vault");
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains("orders")) {
              db.close();
              resolve([]);
              return;
            }
            const request = db.transaction("orders", "readonly").objectStore("orders").getAll();
            request.onerror = () => reject(request.error);
            request.onsuccess = () => {
              db.close();
              resolve(request.result as unknown[]);
            };
          };
        }),
    ) as Promise<VaultRecordJson[]>;
  }

  async stopServiceWorker(): Promise<void> {
    await stopServiceWorker(this.browser, this.extensionId);
  }

  async setWallet(options: Partial<WalletOptions>): Promise<void> {
    await setWalletOptions(this.browser, options);
  }

  async walletPage(): Promise<Page> {
    return walletControlPage(this.browser);
  }

  // ───────────────────────────── the client's steps ─────────────────────────────

  /** Seed step 4 (step 1, the deployment, happened when the server started). */
  async connectProvider(page: Page): Promise<void> {
    await page.waitForSelector(sel("provider-url"));
    await page.$eval(sel("provider-url"), (el) => ((el as HTMLInputElement).value = ""));
    await page.type(sel("provider-url"), this.stack.providerUrl);
    await this.click(page, "provider-connect");
    await this.waitForStep(page, ["signIn", "register", "chooseFile"]);
    // The signer is read from the contract (through the wallet), not taken from the provider's word.
    await page.waitForFunction(() => document.querySelector('[data-testid="provider-signer-check"]')?.textContent === "read on chain", { timeout: 30_000, polling: 100 });
  }

  /** SIWE: personal_sign in the wallet, session from the provider. */
  async signIn(page: Page): Promise<void> {
    await this.click(page, "auth-sign-in");
    await page.waitForSelector(`${sel("session-status")}[data-signed-in="true"]`, { timeout: 30_000 });
    await this.waitForStep(page, ["register", "registering", "chooseFile"]);
  }

  /** Seed steps 2–3 and 7: the provider registers the address; the extension checks tx, event, isRegistered. */
  async register(page: Page): Promise<void> {
    await this.click(page, "registration-request");
    await this.waitForStep(page, "chooseFile");
    await page.waitForSelector(`${sel("registration-status")} [data-registered="true"]`, { timeout: 30_000 });
  }

  /** Sets a real file on a file input (the commitment is computed in the page's worker). */
  async setFile(page: Page, testid: string, file: string): Promise<void> {
    const input = (await page.waitForSelector(`${sel(testid)}:not([disabled])`, { timeout: 30_000 })) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(file);
  }

  /**
   * Seed step 5: choose the file; waits for its commitment to reach the background. `encryption`
   * picks the protection first: the flow tests store files as they are ("none", so their roots are
   * the plaintext's); encryption.e2e picks "private" (the page's default) or "convergent".
   */
  async chooseFile(page: Page, file: string, timeoutMs = 120_000, { encryption = "none" }: { encryption?: "private" | "convergent" | "none" } = {}): Promise<void> {
    await this.setEncryption(page, encryption);
    await this.setFile(page, "file-input", file);
    await this.waitForStep(page, "quote", timeoutMs);
    await page.waitForSelector(sel("file-root"));
  }

  /** The protection of the next file chosen (the store page's EncryptionChoice). */
  async setEncryption(page: Page, mode: "private" | "convergent" | "none"): Promise<void> {
    await this.click(page, `encryption-mode-${mode}`);
    await page.waitForSelector(`${sel("encryption-choice")}[data-mode="${mode}"]`, { timeout: 10_000 });
  }

  /** Seed steps 5–6 and 8: signed quote, verified against contract.signer(), then the balance check. */
  async requestQuote(page: Page): Promise<void> {
    await this.click(page, "quote-request");
    await this.waitForStep(page, "pay");
    await page.waitForSelector(`${sel("balance-sufficient")}, ${sel("balance-shortfall")}`, { timeout: 30_000 });
  }

  /** Seeds steps 9–11: pay in the wallet; waits until the provider confirmed the payment. */
  async pay(page: Page): Promise<void> {
    await this.click(page, "pay");
    await this.waitForStep(page, ["upload", "done"], 90_000);
  }

  /**
   * Seed step 12–13: upload (or prove ownership); waits until σ is verified and in the vault.
   * `file` re-selects the file first when this page does not hold it (a reopened page).
   */
  async upload(page: Page, { file, progressShot }: { file?: string; progressShot?: string } = {}): Promise<void> {
    if (file && (await page.$(sel("upload-file-input")))) {
      await this.setFile(page, "upload-file-input", file);
      await page.waitForSelector(`${sel("upload-need-file")}`, { hidden: true, timeout: 60_000 });
    }
    const dedup = Boolean(await page.$(sel("ownership-prove")));
    if (progressShot && !dedup) {
      // Slow the page's network so the progress bar can be seen moving (and photographed).
      await page.emulateNetworkConditions({ download: 8 << 20, upload: 1 << 20, latency: 0 });
    }
    try {
      await this.click(page, dedup ? "ownership-prove" : "upload-start");
      if (progressShot && !dedup) {
        await page.waitForFunction(
          () => {
            const bar = document.querySelector('[data-testid="upload-progress"]') as HTMLElement | null;
            const value = Number(bar?.dataset.value ?? 0);
            return bar && value > 0 && value < Number(bar.dataset.total);
          },
          { timeout: 30_000, polling: 50 },
        );
        await this.shot(page, progressShot);
        // Photographed: full speed for the rest (a large file would otherwise take a minute).
        await page.emulateNetworkConditions(null);
      }
      await this.waitForStep(page, "done", 120_000);
    } finally {
      if (progressShot && !dedup) await page.emulateNetworkConditions(null);
    }
    await page.waitForSelector(`${sel("receipt-status")} [data-status="verified"]`, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="receipt-saved"]')?.textContent?.includes("kept in your vault"), { timeout: 30_000, polling: 100 });
  }

  /** Connect, sign in, register (when needed), up to the file choice. */
  async reachChooseFile(page: Page): Promise<void> {
    if ((await this.step(page)) === "connect") await this.connectProvider(page);
    if ((await this.step(page)) === "signIn") await this.signIn(page);
    if ((await this.step(page)) === "register") await this.register(page);
    await this.waitForStep(page, "chooseFile");
  }

  /**
   * Back to "choose a file" for a new order: "Store another file" after a stored order (what a
   * person clicks); an unpaid order left by a failed earlier test is cleared directly.
   */
  async newOrder(page: Page): Promise<void> {
    const step = await this.step(page);
    if (step === "done") await this.click(page, "order-new");
    else if (step === "quote" || step === "pay") {
      await page.evaluate(() => chrome.runtime.sendMessage({ type: "order.clear" }));
    }
    if (await page.$('[data-testid="error-banner-dismiss"]')) await this.click(page, "error-banner-dismiss");
    await this.waitForStep(page, ["chooseFile", "signIn", "register"]);
  }

  /** A whole order: file → quote → pay → upload → σ verified. */
  async storeFile(page: Page, file: string): Promise<void> {
    await this.chooseFile(page, file);
    await this.requestQuote(page);
    await page.waitForSelector(sel("balance-sufficient"));
    await this.pay(page);
    await this.upload(page);
  }
}

/** The persisted flow state (the parts the tests read). */
export type FlowStateJson = {
  session: { token: string; address: Hex; expiresAt: number } | null;
  registration: { status: string; address: Hex; txHash: Hex | null; eventSeen: boolean; isRegistered: boolean } | null;
  order: {
    file: { name: string; size: number; fileRoot: Hex };
    quote: { quote: import("./chain.ts").QuoteJson; signature: Hex; deduplicated: boolean; ownershipIndices: number[] | null } | null;
    balance: { balance: string; required: string; shortfall: string; sufficient: boolean } | null;
    payment: { txHash: Hex; status: string; providerConfirmed: boolean } | null;
    upload: { status: string; mode: string; sent: number; total: number; attempts: number } | null;
    receipt: { link: string; signature: Hex; status: string; savedToVault: boolean } | null;
  } | null;
  error: { code: string; message: string } | null;
};
