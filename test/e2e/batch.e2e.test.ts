/**
 * Many files at once and uploads that survive what goes wrong, through the extension's store page
 * (Chromium + test wallet, real chain and provider servers). Screens under test-results/batch.e2e/.
 *   (a) a folder of 20 files picked at once: ONE wallet confirmation (payBatch) pays them all, and
 *       20 receipts are verified and kept in the vault;
 *   (b) a 200 MiB upload whose provider (its own process) is SIGKILLed at ~50 % and restarted: the
 *       page says "provider offline", retries, and resumes from the provider's offset — bytes sent
 *       again ≤ one upload segment — and the file ends stored;
 *   (c) the page closed mid-upload and opened again: once the file is chosen again, the upload
 *       continues from the provider's offset and finishes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { OrderState } from "@pekanu/protocol";
import type { Page } from "puppeteer-core";
import { type Address, type Hex, decodeFunctionData, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { serverContractAbi } from "@pekanu/protocol";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, REPO_ROOT, clearWalletLog, walletSentTransactions } from "../support/browser.ts";
import { type ChainView, chainView, checkReceiptIndependently } from "./support/chain.ts";
import { PekanuBrowser, until } from "./support/pekanu.ts";
import { releaseStack, type StackInfo, useStack } from "./support/stack.ts";
import { freePort } from "../../provider-server/test/support/freePort.ts";

const SUITE = "batch.e2e";
/** The provider's and the client's upload segment (UPLOAD_SEGMENT, SEGMENT_SIZE). */
const SEGMENT = 8 << 20;
const sel = (testid: string) => `[data-testid="${testid}"]`;
let phaseStart = 0;
/** Where a test's time goes (printed: the e2e budget is lean). */
const phase = (label: string) => console.log(`${SUITE}: ${((performance.now() - phaseStart) / 1000).toFixed(1)} s ${label}`);

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
let home: string;
const CLIENT_KEY = generatePrivateKey();
const CLIENT: Address = privateKeyToAccount(CLIENT_KEY).address;


/** A provider server in its own process (so it can be SIGKILLed), on the shared chain, with its own contract and data. */
class ProviderProcess {
  child: ChildProcess | null = null;
  log = "";
  readonly url: string;
  private readonly env: Record<string, string>;
  constructor(env: Record<string, string>, port: number) {
    this.env = env;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(dataDir: string): Promise<ProviderProcess> {
    const owner = generatePrivateKey();
    await chain.fund(privateKeyToAccount(owner).address, parseEther("5"));
    const port = await freePort();
    return new ProviderProcess(
      {
        PEKANU_DATA_DIR: dataDir,
        PEKANU_HOST: "127.0.0.1",
        PEKANU_PORT: String(port),
        PEKANU_RPC_URL: stack.rpcUrl,
        PEKANU_OWNER_KEY: owner,
        PEKANU_SIGNER_KEY: generatePrivateKey(),
        PEKANU_STAKE: "1",
        PEKANU_PARAMS: "local",
        PEKANU_POLL_INTERVAL_MS: "250",
        PEKANU_AUTH_BURST: "1000000",
        PEKANU_COLLECT_INTERVAL_MS: "0",
        PEKANU_REGISTRATION_MIN_BALANCE_WEI: "1",
        // A writer that vanished (the killed process) holds the order no longer than this.
        PEKANU_UPLOAD_LEASE_MS: "2000",
        PEKANU_LOG_LEVEL: "info",
      },
      port,
    );
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "provider-server/src/main.ts")], { env: { ...process.env, ...this.env }, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    child.stdout!.on("data", (d: Buffer) => (this.log += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (this.log += d.toString()));
    await until(
      `the provider at ${this.url}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`the provider exited (${child.exitCode}):\n${this.log.slice(-2000)}`);
        const response = await fetch(`${this.url}/v1/info`).catch(() => null);
        return response?.ok ?? false;
      },
      90_000,
    );
  }

  /** SIGKILL: no shutdown, no flush — what a crash or an OOM kill does. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}

/** Connect (to `url`), sign in, register: up to the point where files can be dropped. */
async function connectTo(p: Page, url: string): Promise<void> {
  await p.waitForSelector(sel("provider-url"));
  await p.$eval(sel("provider-url"), (el) => ((el as HTMLInputElement).value = ""));
  await p.type(sel("provider-url"), url);
  await pekanu.click(p, "provider-connect");
  await p.waitForFunction((u) => document.querySelector('[data-testid="provider-info-url"] code')?.textContent === u, { timeout: 30_000, polling: 100 }, url);
  await pekanu.waitForStep(p, ["signIn", "register", "chooseFile"]);
  if ((await pekanu.step(p)) === "signIn") await pekanu.signIn(p);
  if ((await pekanu.step(p)) === "register") await pekanu.register(p);
  await pekanu.waitForStep(p, "chooseFile");
}

/** The batch's card (the newest batch is first). */
async function batchState(p: Page) {
  return p.$eval(sel("batch"), (el) => {
    const e = el as HTMLElement;
    return { id: e.dataset.batchId!, count: Number(e.dataset.count), stored: Number(e.dataset.stored) };
  });
}

async function waitStored(p: Page, count: number, timeoutMs: number): Promise<void> {
  await until(`${count} files stored`, async () => (await batchState(p)).stored === count, timeoutMs);
}

async function uploadStats(p: Page, orderId: string) {
  return p.evaluate((id) => (globalThis as unknown as { pekanuUploadStats: Map<string, { firstOffset: number | null; attemptedBytes: number; requests: number }> }).pekanuUploadStats.get(id) ?? null, orderId);
}

async function fileOrderId(p: Page, index: number): Promise<string> {
  return p.$eval(sel(`batch-file-${index}`), (el) => (el as HTMLElement).dataset.orderId!);
}

/** A large file written fast: zeros with a random head (never deduplicated by another test's file). */
async function largeFile(name: string, size: number): Promise<string> {
  const file = path.join(home, name);
  const bytes = Buffer.alloc(size);
  crypto.getRandomValues(bytes.subarray(0, 4096));
  crypto.getRandomValues(bytes.subarray(size - 4096));
  await writeFile(file, bytes);
  return file;
}

describe.skipIf(!existsSync(CHROMIUM_PATH))("many files at once, resumable uploads", () => {
  const providers: ProviderProcess[] = [];
  let provider: ProviderProcess;
  /** The second provider starts while the first test runs (its start is slow on a loaded machine). */
  let providerStarted: Promise<void>;

  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    home = await mkdtemp(path.join(os.tmpdir(), "pekanu-e2e-batch-"));
    await chain.fund(CLIENT, parseEther("20"));
    providerStarted = (async () => {
      provider = await ProviderProcess.create(path.join(home, "provider-2"));
      providers.push(provider);
      await provider.start();
    })();
    providerStarted.catch(() => undefined);
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: CLIENT_KEY });
    page = await pekanu.openApp();
  });

  beforeEach(({ onTestFailed, task }) => {
    phaseStart = performance.now();
    onTestFailed(() => pekanu?.shotAll(`failed-${task.name.slice(0, 40)}`));
  });

  afterAll(async () => {
    if (pekanu?.shots.length) console.log(`${SUITE} screenshots:\n  ${pekanu.shots.join("\n  ")}`);
    await pekanu?.close();
    for (const p of providers) await p.kill();
    if (providers.some((p) => p.log.includes("FATAL"))) console.log(providers.map((p) => p.log.slice(-2000)).join("\n"));
    if (home) await rm(home, { recursive: true, force: true });
    await releaseStack();
  });

  test("a folder of 20 files: one wallet confirmation pays them all, 20 receipts verified in the vault", async () => {
    await connectTo(page, stack.providerUrl);
    const folder = path.join(home, "holiday-photos");
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.alloc(4096 + i * 977);
      crypto.getRandomValues(bytes.subarray(0, Math.min(bytes.length, 65_536)));
      await writeFile(path.join(folder, `photo-${String(i).padStart(2, "0")}.jpg`), bytes);
    }
    await pekanu.setFile(page, "batch-folder-input", folder);
    await page.waitForSelector(`${sel("batch")}[data-count="20"]`, { timeout: 60_000 });
    // Every file priced, one balance check for all: one Pay button with the sum and the network fee.
    await page.waitForSelector(`${sel("batch-pay")}:not([disabled])`, { timeout: 60_000 });
    expect(await pekanu.text(page, "batch-pay")).toMatch(/^Pay [\d.]+ ETH \+ about [\d.]+ ETH network fee for 20 files$/);
    const names = await page.$$eval('[data-testid^="batch-file-"][data-order-id] .name', (els) => els.map((e) => e.getAttribute("title")));
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `holiday-photos/photo-${String(i).padStart(2, "0")}.jpg`));
    await pekanu.shot(page, "a-01-folder-priced-one-pay-button");
    // The files home says "Waiting for payment" for each.
    const filesHome = await pekanu.openApp("");
    try {
      await filesHome.waitForSelector('[data-testid="file-row"][data-status="waitingPayment"]', { timeout: 30_000 });
      await pekanu.shot(filesHome, "a-02-files-home-waiting-for-payment");
    } finally {
      await filesHome.close();
    }

    await clearWalletLog(pekanu.browser);
    const paying = pekanu.click(page, "batch-pay");
    await paying;
    await waitStored(page, 20, 180_000);
    await pekanu.shot(page, "a-03-folder-stored");

    // ONE transaction from the wallet: payBatch with the 20 quotes, value = Σ prices.
    const sent = await walletSentTransactions(pekanu.browser);
    expect(sent).toHaveLength(1);
    const tx = await chain.client.getTransaction({ hash: sent[0]!.result as Hex });
    const call = decodeFunctionData({ abi: serverContractAbi, data: tx.input });
    expect(call.functionName).toBe("payBatch");
    const quotes = call.args![0] as unknown as { orderId: Hex; price: bigint }[];
    expect(quotes).toHaveLength(20);
    expect(tx.value).toBe(quotes.reduce((sum, q) => sum + q.price, 0n));

    // 20 receipts in the vault, each verified, each checked again here against the chain.
    const records = (await pekanu.vaultRecords(page)).filter((r) => quotes.some((q) => q.orderId === r.orderId));
    expect(records).toHaveLength(20);
    for (const record of records) {
      expect(record.payTxHash).toBe(sent[0]!.result);
      expect(record.signature).not.toBeNull();
      expect((record as unknown as { verification: { status: string } }).verification.status).toBe("verified");
      // Encrypted by default, like a single file: the key is in the vault, the provider holds ciphertext.
      expect((record as unknown as { encryption?: { mode: string } | null }).encryption?.mode).toBe("private");
      const check = await checkReceiptIndependently(chain, stack, record);
      expect(check.order.state).toBe(OrderState.Paid);
    }
  });

  test("a 200 MiB upload whose provider is SIGKILLed at ~50 % resumes after its restart without resending the prefix", async () => {
    await providerStarted;
    phase("provider process started");
    await connectTo(page, provider.url);
    phase("connected, signed in, registered");
    const size = 200 << 20;
    const file = await largeFile("big.bin", size);
    // Stored as it is, so the bytes counted on the wire are the file's own (a folder of test a goes encrypted, the default).
    await pekanu.click(page, "batch-encryption-mode-none");
    await pekanu.setFile(page, "batch-files-input", file);
    await page.waitForSelector(`${sel("batch")}[data-count="1"]`, { timeout: 120_000 });
    phase("file read (fingerprint) and in the queue");
    await pekanu.click(page, "batch-pay", 60_000);
    phase("priced, paid");
    const orderId = await fileOrderId(page, 0);
    // Kill it at ~50 %, by the provider's acknowledged offset (each 8 MiB segment is acknowledged once kept).
    await page.waitForFunction(
      (half) => Number((document.querySelector('[data-testid="batch-file-0-progress"]') as HTMLElement | null)?.dataset.value ?? 0) >= half,
      { timeout: 180_000, polling: 50 },
      size / 2 - SEGMENT,
    );
    phase("~50 % acknowledged");
    await provider.kill();
    const acknowledged = Number(await page.$eval(sel("batch-file-0-progress"), (el) => (el as HTMLElement).dataset.value));
    expect(acknowledged).toBeGreaterThan(size / 4);
    expect(acknowledged).toBeLessThan(size);
    await page.waitForFunction(() => document.querySelector('[data-testid="batch-file-0-status"]')?.textContent?.startsWith("Provider offline — retrying in"), { timeout: 30_000, polling: 100 });
    await pekanu.shot(page, "b-01-provider-offline-retrying");
    await provider.start();
    phase("provider restarted");
    await waitStored(page, 1, 180_000);
    phase("stored");
    await pekanu.shot(page, "b-02-resumed-and-stored");

    const stats = (await uploadStats(page, orderId))!;
    // Bytes put on the wire beyond the file's size (a failed segment counted whole): at most one segment.
    const resent = stats.attemptedBytes - size;
    console.log(`${SUITE}: 200 MiB, killed at ${(acknowledged / 2 ** 20).toFixed(0)} MiB acknowledged; bytes sent again ${resent} (${(resent / 2 ** 20).toFixed(2)} MiB), ${stats.requests} requests`);
    expect(resent).toBeGreaterThanOrEqual(0);
    expect(resent).toBeLessThanOrEqual(SEGMENT);
    // The provider holds the whole file, σ verified in the vault.
    const record = (await pekanu.vaultRecords(page)).find((r) => r.size === size && (r as unknown as { providerUrl: string }).providerUrl === provider.url);
    expect(record?.signature).toBeTruthy();
    expect((await stat(path.join(home, "provider-2", "blobs", record!.fileRoot.toLowerCase()))).size).toBe(size);
  });

  test("closing the page mid-upload: reopened, the upload continues from the provider's offset and finishes", async () => {
    const size = 24 << 20;
    const file = await largeFile("report.bin", size);
    await pekanu.click(page, "batch-encryption-mode-none");
    await pekanu.setFile(page, "batch-files-input", file);
    await page.waitForSelector(`${sel("batch")}[data-count="1"]`, { timeout: 120_000 });
    // Slow enough to close the page half-way.
    await page.emulateNetworkConditions({ download: 64 << 20, upload: 2 << 20, latency: 0 });
    await pekanu.click(page, "batch-pay", 60_000);
    const orderId = await fileOrderId(page, 0);
    await page.waitForFunction(
      (min) => Number((document.querySelector('[data-testid="batch-file-0-progress"]') as HTMLElement | null)?.dataset.value ?? 0) >= min,
      { timeout: 120_000, polling: 50 },
      SEGMENT,
    );
    const before = (await uploadStats(page, orderId))!;
    await page.close();
    // The files home tells the truth: uploading, at the share the provider acknowledged.
    const filesHome = await pekanu.openApp("");
    await filesHome.waitForSelector('[data-testid="file-row"][data-status="uploading"]', { timeout: 30_000 });
    await pekanu.shot(filesHome, "c-01-files-home-uploading");

    page = await pekanu.openApp();
    await page.waitForSelector(sel("batch-need-files"), { timeout: 30_000 });
    await pekanu.shot(page, "c-02-reopened-choose-file-again");
    await pekanu.setFile(page, "batch-reselect-input", file);
    await waitStored(page, 1, 120_000);
    const after = (await uploadStats(page, orderId))!;
    console.log(`${SUITE}: page closed after ${before.attemptedBytes} bytes sent; the reopened page started at ${after.firstOffset} and sent ${after.attemptedBytes}`);
    // The reopened page started where the provider was, not at 0, and sent only the rest.
    expect(after.firstOffset).toBeGreaterThanOrEqual(SEGMENT);
    expect(after.attemptedBytes).toBe(size - after.firstOffset!);
    await filesHome.close();

    // Download: streamed to a temporary file on disk (OPFS), checked against the root, then saved.
    const record = (await pekanu.vaultRecords(page)).find((r) => r.size === size)!;
    const details = await pekanu.openApp(`#vault/${encodeURIComponent((record as unknown as { key: string }).key)}`);
    try {
      await pekanu.click(details, "detail-download");
      await details.waitForSelector('[data-testid="detail-download-status"][data-state="ok"]', { timeout: 60_000 });
      const onDisk = await details.evaluate(async () => {
        const dir = await navigator.storage.getDirectory();
        const sizes: number[] = [];
        for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
          if (name.startsWith("pekanu-plain-download-")) sizes.push((await handle.getFile()).size);
        }
        return sizes;
      });
      expect(onDisk).toContain(size);
    } finally {
      await details.close();
    }
  });
});
