/**
 * Issue 14 through the extension's UI, in Chromium with the test wallet: a client converts two
 * 64×64 CSV matrices on the Compute screen, stores them through the store flow (unencrypted),
 * multiplies them at a provider and the extension verifies the result (Freivalds, in a worker) and
 * shows "Verified". The provider is then restarted with the test-only --test-flip-result: the next
 * result has one wrong entry, the extension finds it, the fraud proof is filed from the UI in one
 * click, and the client's balance rises by exactly price + fine − gas (wei, from the receipts).
 * Last, a provider that stops after its price (never delivers, never answers): past the deadline
 * the client asks for the money back from the UI and, past the answer time, claims price + fine.
 *
 * This file runs its own provider server (compute on, its own owner and signer accounts) on the
 * shared chain, so the flip cannot touch the other files' provider. Screens under
 * test-results/compute.e2e/ (copied to docs/screenshots/ by hand).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { Page } from "puppeteer-core";
import { type Address, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, walletSentTransactions } from "../support/browser.ts";
import { chainView } from "./support/chain.ts";
import { PekanuBrowser, until } from "./support/pekanu.ts";
import { ACCOUNTS, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";
import { freePort } from "../../provider-server/test/support/freePort.ts";

const SUITE = "compute.e2e";
const CLIENT_KEY = devKey(ACCOUNTS.computeClient);
const CLIENT: Address = privateKeyToAccount(CLIENT_KEY).address;
const SIZE = 64;
const axeSource = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core (WCAG 2 A/AA) on the page as it is, as product.e2e runs it. */
async function expectAccessible(p: Page, name: string): Promise<void> {
  await p.evaluate(axeSource);
  const violations = await p.evaluate(async () => {
    const result = await (globalThis as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target) }));
  });
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

type ProviderServer = Awaited<ReturnType<typeof import("../../provider-server/src/app.ts").createProviderServer>>;

let stack: StackInfo;
let ours: StackInfo;
let chain: ReturnType<typeof chainView>;
let pekanu: PekanuBrowser;
let page: Page;
let home: string;
let server: ProviderServer | null = null;
let port: number;
let keys: { a: string; b: string };


/** The provider of this file: compute on ("deploy": deployed on first start, kept after), optionally flipping one entry of every result. */
async function startProvider(flip: boolean): Promise<string> {
  const { createProviderServer } = await import("../../provider-server/src/app.ts");
  const { createLogger } = await import("../../provider-server/src/createLogger.ts");
  const level = process.env.PEKANU_E2E_SERVER_LOG ?? "silent";
  server = await createProviderServer({
    config: {
      dataDir: path.join(home, "provider"),
      host: "127.0.0.1",
      port,
      rpcUrl: stack.rpcUrl,
      ownerKey: devKey(ACCOUNTS.computeOwner),
      signerKey: devKey(ACCOUNTS.computeSigner),
      stakeWei: 10n * 10n ** 18n,
      paramsProfile: "local",
      pollIntervalMs: 250,
      authBurst: 1_000_000,
      collectIntervalMs: 0,
      registrationMinBalance: 1n,
      logLevel: level,
      compute: { contract: "deploy", stakeWei: 10n ** 18n, testFlipResult: flip },
    },
    logger: createLogger({ level }),
    maxConnectAttempts: 3,
  });
  return server.start();
}

/** A CSV of small integers (row r, column c → (r·7 + c·3 + seed) mod 97). */
async function csv(name: string, seed: number): Promise<string> {
  const rows = Array.from({ length: SIZE }, (_, r) => Array.from({ length: SIZE }, (_, c) => (r * 7 + c * 3 + seed) % 97).join(","));
  const file = path.join(home, name);
  await writeFile(file, `${rows.join("\n")}\n`);
  return file;
}

/** Converts a CSV on the Compute screen and stores it through the store flow; returns its vault key. */
async function addMatrix(file: string, side: "left" | "right"): Promise<string> {
  await pekanu.click(page, "tab-compute");
  await pekanu.click(page, `convert-${side}`);
  await pekanu.setFile(page, "compute-convert-input", file);
  await pekanu.waitForStep(page, "quote", 60_000);
  await pekanu.requestQuote(page);
  await page.waitForSelector('[data-testid="balance-sufficient"]');
  await pekanu.pay(page);
  await pekanu.upload(page);
  const records = await pekanu.vaultRecords(page);
  const record = records.find((r) => r.fileName === `${path.basename(file, ".csv")}.${side}.pkmx`);
  expect(record?.encryption ?? null).toBeNull();
  await pekanu.newOrder(page);
  return record!.key;
}

/** Chooses the two stored matrices, asks for a price and pays it (after `beforePay`); returns the job's id. */
async function runJob(beforePay?: () => Promise<void>): Promise<Hex> {
  await pekanu.click(page, "tab-compute");
  await page.waitForSelector(`[data-testid="compute-input-a"] option[value="${keys.a}"]`, { timeout: 30_000 });
  await page.select('[data-testid="compute-input-a"]', keys.a);
  await page.select('[data-testid="compute-input-b"]', keys.b);
  await page.waitForSelector('[data-testid="compute-shape"]', { timeout: 30_000 });
  const before = await page.$$eval('[data-testid="compute-job"]', (cards) => cards.map((c) => (c as HTMLElement).dataset.jobId));
  await pekanu.click(page, "compute-quote");
  const jobId = await until("a new job card", async () => {
    const banner = await page.$('[data-testid="error-banner"]');
    if (banner) throw new Error(`the price was refused: ${await banner.evaluate((e) => e.textContent)} ${await page.$eval('[data-testid="error-banner-detail"]', (e) => e.textContent).catch(() => "")}`);
    const ids = await page.$$eval('[data-testid="compute-job"]', (cards) => cards.map((c) => (c as HTMLElement).dataset.jobId));
    return ids.find((id) => !before.includes(id)) as Hex | undefined;
  });
  const card = `[data-testid="compute-job"][data-job-id="${jobId}"]`;
  await page.waitForSelector(`${card} [data-testid="compute-balance"][data-enough="true"]`, { timeout: 30_000 });
  await beforePay?.();
  await page.click(`${card} [data-testid="compute-pay"]`);
  return jobId;
}

describe.skipIf(!existsSync(CHROMIUM_PATH))("compute: a verified product, then a wrong one caught and fined", () => {
  beforeAll(async () => {
    stack = await useStack();
    home = await mkdtemp(path.join(os.tmpdir(), "pekanu-compute-e2e-"));
    port = await freePort();
    const providerUrl = await startProvider(false);
    ours = { ...stack, providerUrl, contract: server!.context.deployment.address, dataDir: path.join(home, "provider") };
    chain = chainView(ours);
    pekanu = await PekanuBrowser.launch({ stack: ours, suite: SUITE, clientKey: CLIENT_KEY });
    page = await pekanu.openApp();
  });

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(() => pekanu?.shotAll(`failed-${task.name.slice(0, 40)}`));
  });

  afterAll(async () => {
    if (pekanu?.shots.length) console.log(`${SUITE} screenshots:\n  ${pekanu.shots.join("\n  ")}`);
    await pekanu?.close();
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
    await releaseStack();
  });

  test("two CSV matrices are converted and stored unencrypted; their product is verified in the browser", async () => {
    await pekanu.reachChooseFile(page);
    keys = { a: await addMatrix(await csv("a.csv", 1), "left"), b: await addMatrix(await csv("b.csv", 5), "right") };
    const jobId = await runJob();
    const card = `[data-testid="compute-job"][data-job-id="${jobId}"]`;
    await page.waitForSelector(`${card}[data-status="verified"]`, { timeout: 60_000 });
    expect(await page.$eval(`${card} [data-testid="compute-verified"]`, (e) => e.textContent)).toBe("Verified — the chance a wrong result passes is below 2^-60.");
    expect(await pekanu.text(page, "compute-unencrypted-note")).toMatch(/stored unencrypted/);
    await pekanu.shot(page, "01-compute-verified");
    await expectAccessible(page, "compute, a verified job");
  });

  test("a provider restarted with --test-flip-result is caught; the fraud proof filed from the UI credits price + fine", async () => {
    await server!.stop();
    await startProvider(true);
    const jobId = await runJob();
    const card = `[data-testid="compute-job"][data-job-id="${jobId}"]`;
    await page.waitForSelector(`${card}[data-status="wrong"] [data-testid="compute-prove-fraud"]:not([disabled])`, { timeout: 60_000 });
    expect(await page.$eval(`${card} [data-testid="compute-wrong"]`, (e) => e.textContent)).toMatch(/^The result is wrong: row \d+, column \d+ should be \d+, the provider gave \d+\./);
    await pekanu.shot(page, "02-compute-wrong-found");
    await expectAccessible(page, "compute, a wrong result found");

    const job = await page.evaluate(async (id) => {
      const view = (await chrome.runtime.sendMessage({ type: "view.get" })) as { data: { compute: { jobs: { jobId: string; quote: { price: string; fine: string }; contract: string }[] } } };
      return view.data.compute.jobs.find((j) => j.jobId === id)!;
    }, jobId);
    const [price, fine] = [BigInt(job.quote.price), BigInt(job.quote.fine)];
    const compute = job.contract as Address;
    const withdrawable = () => chain.client.readContract({ address: compute, abi: computeContractAbi, functionName: "withdrawable", args: [CLIENT] });
    const creditsBefore = await withdrawable();
    const balanceBefore = await chain.balance(CLIENT);
    const sentBefore = (await walletSentTransactions(pekanu.browser)).length;

    await page.click(`${card} [data-testid="compute-prove-fraud"]`);
    await page.waitForSelector(`${card}[data-status="fined"]`, { timeout: 60_000 });
    expect(await withdrawable()).toBe(creditsBefore + price + fine);
    await page.waitForSelector(`[data-testid="compute-credits-amount"][data-wei="${creditsBefore + price + fine}"]`, { timeout: 30_000 });
    await pekanu.shot(page, "03-compute-fraud-filed");

    await pekanu.click(page, "compute-credits-withdraw");
    await until("the credits withdrawn", async () => (await withdrawable()) === 0n);
    // The wallet logs a transaction once its answer went back: the mined withdrawal may be logged a moment later.
    const sent = await until("proveFraud and withdraw in the wallet's log", async () => {
      const log = (await walletSentTransactions(pekanu.browser)).slice(sentBefore);
      return log.length >= 2 ? log : null;
    });
    expect(sent).toHaveLength(2); // proveFraud, withdraw
    let gas = 0n;
    for (const tx of sent) {
      const cost = await chain.txCost(tx.result as Hex);
      expect(cost.status).toBe("success");
      expect(cost.from.toLowerCase()).toBe(CLIENT.toLowerCase());
      gas += cost.cost;
    }
    const proof = await chain.txCost(sent[0]!.result as Hex);
    const [proven] = parseEventLogs({ abi: computeContractAbi, eventName: "FraudProven", logs: proof.receipt.logs });
    expect(proven!.args).toMatchObject({ jobId, client: CLIENT, amount: price + fine });
    expect(await chain.balance(CLIENT)).toBe(balanceBefore + creditsBefore + price + fine - gas);
    await page.waitForSelector('[data-testid="compute-credits-amount"][data-wei="0"]', { timeout: 30_000 });
  });

  test("a provider that stops after its price never delivers: the client asks for the money back from the UI and claims price + fine", async () => {
    const jobId = await runJob(async () => {
      await server!.stop(); // priced, then gone: it neither computes nor answers a dispute
      server = null;
    });
    const card = `[data-testid="compute-job"][data-job-id="${jobId}"]`;
    await page.waitForSelector(`${card}[data-status="computing"]`, { timeout: 30_000 });
    const job = await page.evaluate(async (id) => {
      const view = (await chrome.runtime.sendMessage({ type: "view.get" })) as { data: { compute: { jobs: { jobId: string; quote: { price: string; fine: string; deliverBy: string }; contract: string }[] } } };
      return view.data.compute.jobs.find((j) => j.jobId === id)!;
    }, jobId);
    const [price, fine] = [BigInt(job.quote.price), BigInt(job.quote.fine)];
    const compute = job.contract as Address;
    const read = <T,>(functionName: string, args: unknown[]) => chain.client.readContract({ address: compute, abi: computeContractAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
    const withdrawable = () => read<bigint>("withdrawable", [CLIENT]);
    await until("the payment mined", async () => (await read<readonly [number]>("jobOf", [jobId]))[0] === 1);
    const creditsBefore = await withdrawable();
    expect(await page.$(`${card} [data-testid="compute-dispute"]`)).toBeNull(); // not late yet: nothing offered

    // Past deliverBy on the chain's clock; the page reads the job on chain when it opens.
    await chain.increaseTime(Number(job.quote.deliverBy) - (await chain.latestTimestamp()) + 1);
    await page.reload();
    await pekanu.click(page, "tab-compute");
    await page.waitForSelector(`${card} [data-testid="compute-late"] [data-testid="compute-dispute"]`, { timeout: 30_000 });
    await pekanu.shot(page, "04-compute-not-delivered");
    await page.click(`${card} [data-testid="compute-dispute"]`);
    await page.waitForSelector(`${card}[data-status="disputed"] [data-testid="compute-disputed"]`, { timeout: 30_000 });
    const deadline = Number(await page.$eval(`${card} [data-testid="compute-disputed"]`, (e) => (e as HTMLElement).dataset.deadline));
    const [onChainDeadline] = await read<readonly [bigint]>("pendingOf", [jobId]);
    expect(deadline).toBe(Number(onChainDeadline));
    expect(await page.$(`${card} [data-testid="compute-claim"]`)).toBeNull(); // the provider may still answer
    await expectAccessible(page, "compute, money back asked for");

    await chain.increaseTime(deadline - (await chain.latestTimestamp()) + 1);
    await page.click(`${card} [data-testid="compute-read-chain"]`);
    await page.waitForSelector(`${card} [data-testid="compute-claim"]:not([disabled])`, { timeout: 30_000 });
    await page.click(`${card} [data-testid="compute-claim"]`);
    await page.waitForSelector(`${card}[data-status="penalized"] [data-testid="compute-penalized"][data-wei="${price + fine}"]`, { timeout: 30_000 });
    expect(await withdrawable()).toBe(creditsBefore + price + fine);
    expect((await read<readonly [number]>("jobOf", [jobId]))[0]).toBe(6); // Penalized
    await page.waitForSelector(`[data-testid="compute-credits-amount"][data-wei="${creditsBefore + price + fine}"]`, { timeout: 30_000 });
    await pekanu.shot(page, "05-compute-money-back");
  });
});
