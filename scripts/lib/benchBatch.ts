// bench:extension's batch and resume figures (issue 11), through the real store page in Chromium
// with the test wallet, a local chain and the provider server in its own process (so it can be
// SIGKILLed):
//   • 100 files of 1 MiB picked at once: time from the pick to all stored, and the wallet
//     confirmations it took (target 1); baseline of the same run: ONE file of 100 MiB through the
//     same page (same bytes, one order);
//   • a 1 GiB upload whose provider is SIGKILLed at ~50 % and restarted: bytes sent again
//     (target ≤ one 8 MiB segment), counted in the page for every PATCH body put on the wire.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, ElementHandle } from "puppeteer-core";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { freePort } from "../../provider-server/test/support/freePort.ts";

export const SEGMENT = 8 << 20;

export type BatchFigures = {
  files: number;
  fileBytes: number;
  batchMs: number;
  batchConfirmations: number;
  baselineMs: number;
  baselineConfirmations: number;
  resumeBytes: number;
  killedAtBytes: number;
  resentBytes: number;
  /** The order's size on the wire (ciphertext of the 1 GiB file). */
  wireBytes: number;
  resumeMs: number;
  resumeRequests: number;
};

type Launch = (extensions: string[]) => Promise<{ browser: Browser; ids: string[]; profile: string }>;

const key = (i: number) => bytesToHex(mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: i }).getHdKey().privateKey!);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}


function startProvider(root: string, env: Record<string, string>): { child: ChildProcess; log: () => string } {
  let log = "";
  const child = spawn(process.execPath, [join(root, "provider-server/src/main.ts")], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

/** A file of `size` bytes, fast and without the memory: sparse, with random bytes at both ends (unique root). */
function sparseFile(path: string, size: number): void {
  const fd = openSync(path, "w");
  ftruncateSync(fd, size);
  const head = crypto.getRandomValues(new Uint8Array(4096));
  writeSync(fd, head, 0, head.length, 0);
  writeSync(fd, head, 0, head.length, size - head.length);
  closeSync(fd);
}

export async function measureBatch({ root, launch, extensionDir, log, resumeOnly = false }: { root: string; launch: Launch; extensionDir: string; log: (line: string) => void; resumeOnly?: boolean }): Promise<BatchFigures> {
  const home = mkdtempSync(join(tmpdir(), "pekanu-bench-batch-"));
  const { startDevChain } = await import("./devChain.ts");
  const chain = await startDevChain({ port: await freePort(), journalPath: join(home, "chain.jsonl"), blockIntervalMs: 1000, log: () => undefined });
  // The test wallet, built for this chain (as the e2e stack builds it).
  const { buildWallet } = await import("../../test/wallet-extension/build.ts");
  const walletDir = await buildWallet({ outDir: join(home, "wallet"), defaults: { rpcUrl: chain.rpcUrl } });
  const port = await freePort();
  const providerUrl = `http://127.0.0.1:${port}`;
  const env = {
    PEKANU_DATA_DIR: join(home, "provider"),
    PEKANU_HOST: "127.0.0.1",
    PEKANU_PORT: String(port),
    PEKANU_RPC_URL: chain.rpcUrl,
    PEKANU_OWNER_KEY: key(0),
    PEKANU_SIGNER_KEY: key(1),
    PEKANU_STAKE: "100",
    PEKANU_PARAMS: "local",
    PEKANU_POLL_INTERVAL_MS: "250",
    PEKANU_AUTH_BURST: "1000000",
    PEKANU_QUOTE_BURST: "1000000",
    PEKANU_COLLECT_INTERVAL_MS: "0",
    PEKANU_REGISTRATION_MIN_BALANCE_WEI: "1",
    PEKANU_UPLOAD_LEASE_MS: "2000",
    PEKANU_LOG_LEVEL: "warn",
    // The 1 GiB file is encrypted (the page's default): its ciphertext is a little over 1 GiB, the
    // default largest file; the figure is about resuming, so the provider takes 2 GiB.
    PEKANU_MAX_FILE_SIZE: String(2 * 1024 ** 3),
  };
  let provider = startProvider(root, env);
  const ready = () =>
    until("the provider", async () => {
      if (provider.child.exitCode !== null) throw new Error(`provider exited:\n${provider.log().slice(-2000)}`);
      return (await fetch(`${providerUrl}/v1/info`).catch(() => null))?.ok ?? false;
    }, 120_000);
  await ready();
  const { browser, ids, profile } = await launch([walletDir, extensionDir]);
  const [walletId, id] = ids as [string, string];
  try {
    const control = await browser.newPage();
    await control.goto(`chrome-extension://${walletId}/control.html`, { waitUntil: "load" });
    await control.waitForFunction(() => "testWallet" in window);
    const wallet = <T>(method: string, ...args: unknown[]) =>
      control.evaluate((m, a) => (window as unknown as { testWallet: Record<string, (...x: unknown[]) => Promise<unknown>> }).testWallet[m]!(...a), method, args) as Promise<T>;
    await wallet("setOptions", { rpcUrl: chain.rpcUrl, privateKey: key(2) });
    const sentTransactions = async () => (await wallet<{ method: string; status: string }[]>("getLog")).filter((e) => e.method === "eth_sendTransaction" && e.status === "ok").length;

    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    await page.goto(`chrome-extension://${id}/tabs/app.html#store`, { waitUntil: "load" });
    const step = () => page.$eval("[data-testid=app]", (e) => (e as HTMLElement).dataset.step ?? "");
    await page.waitForSelector("[data-testid=provider-url]");
    await page.type("[data-testid=provider-url]", providerUrl);
    await page.click("[data-testid=provider-connect]");
    await until("sign-in step", async () => (await step()) === "signIn", 120_000);
    await page.click("[data-testid=auth-sign-in]");
    // What the page says when a step does not come (its error banner), for the bench's message.
    const banner = () => page.$$eval("[role=alert], .banner.error", (list) => list.map((e) => e.textContent?.trim()).filter(Boolean).join(" | ")).catch(() => "");
    const stepIn = async (what: string, steps: string[]) => {
      try {
        return await until(what, async () => {
          const now = await step();
          return steps.includes(now) ? now : null;
        }, 120_000);
      } catch (err) {
        throw new Error(`${(err as Error).message} (step ${await step().catch(() => "?")}; page says: ${await banner()})`);
      }
    };
    // Signed in: registered already (the provider may register at sign-in), or asked to.
    if ((await stepIn("signed in", ["register", "registering", "chooseFile"])) === "register") await page.click("[data-testid=registration-request]");
    await stepIn("registered", ["chooseFile"]);

    const pick = async (paths: string[]) => {
      const input = (await page.waitForSelector("[data-testid=batch-files-input]:not([disabled])")) as ElementHandle<HTMLInputElement>;
      await input.uploadFile(...paths);
    };
    // Earlier batches stay on the page (stored): every selector names the new batch by its id.
    const batchIds = () => page.$$eval("[data-testid=batch]", (list) => list.map((e) => (e as HTMLElement).dataset.batchId!));
    const batchOf = async (count: number, before: string[]): Promise<string> => {
      const id = await until(`a new batch of ${count}`, () => page.$$eval("[data-testid=batch]", (list, count, before) => list.find((e) => !before.includes((e as HTMLElement).dataset.batchId!) && (e as HTMLElement).dataset.count === String(count))?.getAttribute("data-batch-id") ?? null, count, before), 600_000);
      return `[data-testid=batch][data-batch-id="${id}"]`;
    };
    const storeAll = async (paths: string[], count: number): Promise<{ ms: number; confirmations: number }> => {
      await wallet("clearLog");
      const started = performance.now();
      const before = await batchIds();
      await pick(paths);
      const card = await batchOf(count, before);
      const pay = await until("the Pay button", () => page.$(`${card} [data-testid=batch-pay]:not([disabled])`), 600_000);
      const label = await pay.evaluate((e) => e.textContent ?? "");
      if (!label.includes(`for ${count} file`)) {
        const rows = await page.$$eval(`${card} [data-testid="batch-files"] > li`, (list) => list.map((e) => e.textContent).filter((t) => t && /No price|failed/i.test(t)).slice(0, 5));
        throw new Error(`not every file got a price: "${label}"; ${rows.join(" | ")}`);
      }
      log(`    priced and payable after ${Math.round(performance.now() - started)} ms`);
      await pay.click();
      // Where the files are, every 30 s (a stall shows which step holds them).
      const progress = setInterval(() => {
        void page
          .$$eval(`${card} [data-testid="batch-files"] > li`, (rows) => {
            const steps: Record<string, number> = {};
            for (const r of rows) steps[(r as HTMLElement).dataset.step ?? "?"] = (steps[(r as HTMLElement).dataset.step ?? "?"] ?? 0) + 1;
            return `${JSON.stringify(steps)} · ${rows[0]?.closest("[data-testid=batch]")?.querySelector("[data-testid=batch-overall]")?.textContent ?? ""}`;
          })
          .then((line) => log(`    ${Math.round((performance.now() - started) / 1000)} s: ${line}`))
          .catch(() => undefined);
      }, 30_000);
      try {
        await until(`${count} stored`, () => page.$(`${card}[data-stored="${count}"]`), 1_200_000);
      } finally {
        clearInterval(progress);
      }
      return { ms: performance.now() - started, confirmations: await sentTransactions() };
    };

    // 100 files of 1 MiB, picked at once.
    const dir = join(home, "hundred");
    mkdirSync(dir);
    const files = Array.from({ length: 100 }, (_, i) => {
      const path = join(dir, `file-${String(i).padStart(3, "0")}.bin`);
      const bytes = Buffer.alloc(1 << 20);
      crypto.getRandomValues(bytes.subarray(0, 65_536));
      writeFileSync(path, bytes);
      return path;
    });
    log("  100 files of 1 MiB: pick → all stored…");
    const batch = resumeOnly ? { ms: NaN, confirmations: NaN } : await storeAll(files, 100);
    log(`  ${Math.round(batch.ms)} ms, ${batch.confirmations} confirmation(s)`);
    // Baseline of this run: the same bytes as one file.
    const one = join(home, "one-100mib.bin");
    sparseFile(one, 100 << 20);
    log("  baseline: one file of 100 MiB…");
    const baseline = resumeOnly ? { ms: NaN, confirmations: NaN } : await storeAll([one], 1);
    log(`  ${Math.round(baseline.ms)} ms`);

    // 1 GiB, provider SIGKILLed at ~50 %.
    const size = 1 << 30;
    const big = join(home, "one-gib.bin");
    sparseFile(big, size);
    log("  1 GiB upload, provider SIGKILLed at ~50 %…");
    await wallet("clearLog");
    const started = performance.now();
    const before = await batchIds();
    await pick([big]);
    const card = await batchOf(1, before);
    const pay = await until("the Pay button", () => page.$(`${card} [data-testid=batch-pay]:not([disabled])`), 600_000);
    await pay.click();
    const value = () => page.$eval(`${card} [data-testid=batch-file-0-progress]`, (e) => Number((e as HTMLElement).dataset.value));
    await until("half", async () => (await value()) >= size / 2 - SEGMENT, 1_200_000);
    await killHard(provider.child);
    const killedAt = await value();
    provider = startProvider(root, env);
    await ready();
    await until("stored", () => page.$(`${card}[data-stored="1"]`), 1_200_000);
    const resumeMs = performance.now() - started;
    const orderId = await page.$eval(`${card} [data-testid=batch-file-0]`, (e) => (e as HTMLElement).dataset.orderId!);
    // What goes on the wire is the order's file: the ciphertext when encrypted (the default), a little larger than the 1 GiB picked.
    const wireSize = await page.$eval(`${card} [data-testid=batch-file-0]`, (e) => Number((e as HTMLElement).dataset.size));
    const stats = await page.evaluate((oid) => (globalThis as unknown as { pekanuUploadStats: Map<string, { attemptedBytes: number; requests: number }> }).pekanuUploadStats.get(oid)!, orderId);
    return {
      files: 100,
      fileBytes: 1 << 20,
      batchMs: batch.ms,
      batchConfirmations: batch.confirmations,
      baselineMs: baseline.ms,
      baselineConfirmations: baseline.confirmations,
      resumeBytes: size,
      killedAtBytes: killedAt,
      resentBytes: stats.attemptedBytes - wireSize,
      wireBytes: wireSize,
      resumeMs,
      resumeRequests: stats.requests,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await killHard(provider.child).catch(() => undefined);
    await chain.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  }
}
