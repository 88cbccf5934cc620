/**
 * Chromium + extensions for end-to-end tests (puppeteer-core, Debian's
 * /usr/bin/chromium, new headless mode which runs extensions).
 *
 *   const session = await launchBrowser({ extensions: [walletDir, pekanuDir] });
 *   try { ... } finally { await session.close(); }
 *
 * Extensions are loaded over the CDP pipe (Extensions.loadUnpacked, what
 * puppeteer's `enableExtensions: [paths]` does) and awaited one by one, so
 * their ids are known when launchBrowser returns.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Browser, type Page, type Target, type WebWorker } from "puppeteer-core";
import type { WalletControl, WalletLogEntry, WalletOptions } from "../wallet-extension/src/options.ts";
import { WALLET_EXTENSION_ID } from "../wallet-extension/walletId.ts";

export const CHROMIUM_PATH = process.env.PEKANU_CHROMIUM ?? "/usr/bin/chromium";
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TEST_RESULTS_DIR = path.join(REPO_ROOT, "test-results");

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface LaunchBrowserOptions {
  /** Unpacked extension directories (each with a manifest.json). */
  extensions: string[];
  /** Default true (new headless). */
  headless?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
  /** Forward Chromium's stdout/stderr (debugging). */
  dumpio?: boolean;
  /**
   * An existing profile to start with (a browser restart): it is kept on close. Default: a new
   * temporary profile, removed on close.
   */
  userDataDir?: string;
}

export interface BrowserSession {
  browser: Browser;
  userDataDir: string;
  /** Extension ids, in the order of `extensions`. */
  extensionIds: string[];
  /** Closes Chromium and removes the profile directory. Idempotent. */
  close(): Promise<void>;
}

export async function launchBrowser(options: LaunchBrowserOptions): Promise<BrowserSession> {
  const ownProfile = options.userDataDir === undefined;
  const userDataDir = options.userDataDir ?? (await mkdtemp(path.join(os.tmpdir(), "pekanu-chromium-")));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM_PATH,
      pipe: true,
      // `true` keeps puppeteer from adding --disable-extensions; the paths are
      // installed below (puppeteer 25's enableExtensions: [paths] does not
      // await the installs).
      enableExtensions: true,
      userDataDir,
      headless: options.headless ?? true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      dumpio: options.dumpio ?? false,
    });
    const extensionIds: string[] = [];
    for (const extension of options.extensions) {
      extensionIds.push(await browser.installExtension(path.resolve(extension)));
    }
    const launched = browser;
    let closed: Promise<void> | undefined;
    return {
      browser: launched,
      userDataDir,
      extensionIds,
      close() {
        closed ??= (async () => {
          try {
            await launched.close();
          } catch {
            launched.process()?.kill("SIGKILL");
          }
          if (ownProfile) await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
        })();
        return closed;
      },
    };
  } catch (error) {
    await browser?.close().catch(() => browser?.process()?.kill("SIGKILL"));
    if (ownProfile) await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Id of the installed extension whose manifest name is `name`. */
export async function findExtensionId(browser: Browser, name: string): Promise<string> {
  for (const [id, extension] of await browser.extensions()) if (extension.name === name) return id;
  throw new Error(`extension "${name}" is not installed`);
}

function isServiceWorkerOf(extensionId: string) {
  return (target: Target) =>
    target.type() === "service_worker" && target.url().startsWith(`chrome-extension://${extensionId}/`);
}

/** The extension's running service worker (waits for it to start). */
export async function getServiceWorker(browser: Browser, extensionId: string, timeout = 10_000): Promise<WebWorker> {
  const target = await browser.waitForTarget(isServiceWorkerOf(extensionId), { timeout });
  const worker = await target.worker();
  if (!worker) throw new Error(`no worker for service worker target of ${extensionId}`);
  return worker;
}

/** Whether the extension's service worker is currently running. */
export function isServiceWorkerRunning(browser: Browser, extensionId: string): boolean {
  return browser.targets().some(isServiceWorkerOf(extensionId));
}

/**
 * Stops the extension's service worker, as Chrome does when it goes idle
 * (closing its target; see "Test service worker termination with Puppeteer"
 * in the Chrome extension docs). Open ports to it are disconnected. The next
 * event (a connect, a runtime message) starts a fresh instance.
 */
export async function stopServiceWorker(browser: Browser, extensionId: string, timeout = 10_000): Promise<void> {
  const target = browser.targets().find(isServiceWorkerOf(extensionId));
  if (!target) return;
  const worker = await target.worker();
  await worker?.close();
  const deadline = Date.now() + timeout;
  while (isServiceWorkerRunning(browser, extensionId)) {
    if (Date.now() > deadline) throw new Error(`service worker of ${extensionId} did not stop`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Opens chrome-extension://<id>/<pagePath> in a new tab. */
export async function openExtensionPage(browser: Browser, extensionId: string, pagePath: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`chrome-extension://${extensionId}/${pagePath.replace(/^\//, "")}`, { waitUntil: "load" });
  return page;
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 120) || "unnamed";
}

/** Saves a full-page screenshot to test-results/<testName>/<step>.png; returns the path. */
export async function screenshot(page: Page, testName: string, step: string): Promise<string> {
  const dir = path.join(TEST_RESULTS_DIR, safeName(testName));
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${safeName(step)}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: true });
  return file;
}

// ---------------------------------------------------------------------------
// Test wallet control
// ---------------------------------------------------------------------------

/** Screenshot of the wallet's control page (address, options, recent requests) after refreshing it. */
export async function screenshotWallet(browser: Browser, testName: string, step: string): Promise<string> {
  const page = await walletControlPage(browser);
  await page.evaluate(() => (window as unknown as { renderStatus(): Promise<void> }).renderStatus());
  return screenshot(page, testName, step);
}

const controlPages = new WeakMap<Browser, Page>();

/** The wallet's control page (opened once per browser, reopened if closed). */
export async function walletControlPage(browser: Browser, walletId = WALLET_EXTENSION_ID): Promise<Page> {
  const existing = controlPages.get(browser);
  if (existing && !existing.isClosed()) return existing;
  const page = await openExtensionPage(browser, walletId, "control.html");
  await page.waitForFunction(() => "testWallet" in window);
  controlPages.set(browser, page);
  return page;
}

async function walletCall<K extends keyof WalletControl>(
  browser: Browser,
  name: K,
  ...args: Parameters<WalletControl[K]>
): Promise<Awaited<ReturnType<WalletControl[K]>>> {
  const page = await walletControlPage(browser);
  return page.evaluate(
    (method, methodArgs) => {
      const control = (window as unknown as { testWallet: Record<string, (...a: unknown[]) => Promise<unknown>> })
        .testWallet;
      return control[method]!(...methodArgs);
    },
    name,
    args as unknown[],
  ) as Promise<Awaited<ReturnType<WalletControl[K]>>>;
}

/** Changes the wallet's options (key, rpcUrl, reject, ...); connected clients get the matching notifications. */
export function setWalletOptions(browser: Browser, options: Partial<WalletOptions>): Promise<WalletOptions> {
  return walletCall(browser, "setOptions", options);
}
export function getWalletOptions(browser: Browser): Promise<WalletOptions> {
  return walletCall(browser, "getOptions");
}
/** Back to build-time defaults; forgets connected origins and added chains (keeps the log). */
export function resetWallet(browser: Browser): Promise<void> {
  return walletCall(browser, "reset");
}
/** Requests the wallet handled, oldest first (persists across service worker restarts). */
export function getWalletLog(browser: Browser): Promise<WalletLogEntry[]> {
  return walletCall(browser, "getLog");
}
export function clearWalletLog(browser: Browser): Promise<void> {
  return walletCall(browser, "clearLog");
}
export function getWalletAddress(browser: Browser): Promise<string> {
  return walletCall(browser, "getAddress");
}
export function getPermittedOrigins(browser: Browser): Promise<string[]> {
  return walletCall(browser, "getPermittedOrigins");
}

/** eth_sendTransaction requests the wallet signed and broadcast (status "ok"), e.g. to assert nothing was paid twice. */
export async function walletSentTransactions(browser: Browser): Promise<WalletLogEntry[]> {
  return (await getWalletLog(browser)).filter((entry) => entry.method === "eth_sendTransaction" && entry.status === "ok");
}
