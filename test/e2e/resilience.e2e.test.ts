/**
 * The client's steps when things go wrong, through the extension's UI (Chromium + test wallet,
 * real chain and provider server). Screens under test-results/resilience.e2e/.
 *   (a) the popup and the page closed while the payment waits in the wallet: the flow resumes,
 *       nothing is paid twice;
 *   (b) the extension's service worker stopped after the quote, and again while the payment waits
 *       in the wallet: the flow resumes, nothing is paid twice;
 *   (c) the payment rejected in the wallet: a clear message, nothing charged, and a retry works;
 *   (d) a balance too low: the shortfall is shown and Pay is disabled.
 */
import { existsSync } from "node:fs";
import { OrderState } from "@pekanu/protocol";
import type { Page } from "puppeteer-core";
import { type Address, type Hex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, clearWalletLog, getWalletLog, walletSentTransactions } from "../support/browser.ts";
import { type ChainView, chainView, checkReceiptIndependently } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser, until } from "./support/pekanu.ts";
import { ACCOUNTS, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "resilience.e2e";
const CLIENT_KEY = devKey(ACCOUNTS.resilienceClient);
const CLIENT: Address = privateKeyToAccount(CLIENT_KEY).address;

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
const files: Awaited<ReturnType<typeof makeTempFile>>[] = [];

async function tempFile(name: string, size: number) {
  const file = await makeTempFile(name, size);
  files.push(file);
  return file;
}

/** Waits until the wallet holds an eth_sendTransaction waiting for the "user" (approvalDelayMs). */
async function walletPaymentPending(): Promise<void> {
  await until("a payment waiting for approval in the wallet", async () =>
    (await getWalletLog(pekanu.browser)).some((entry) => entry.method === "eth_sendTransaction" && entry.status === "pending"),
  );
}

async function currentOrderId(p: Page): Promise<Hex> {
  const flow = await pekanu.flowState(p);
  return flow.order!.quote!.quote.orderId;
}

/** The order is paid exactly once on chain, with the one transaction the wallet sent, and its σ is in the vault. */
async function expectPaidOnce(orderId: Hex): Promise<void> {
  const sent = await walletSentTransactions(pekanu.browser);
  expect(sent).toHaveLength(1);
  const paid = await chain.orderPaidEvents(orderId);
  expect(paid).toHaveLength(1);
  expect(paid[0]!.transactionHash).toBe(sent[0]!.result);
  const record = (await pekanu.vaultRecords(page)).find((r) => r.orderId === orderId);
  expect(record).toBeDefined();
  expect(record!.payTxHash).toBe(sent[0]!.result);
  const check = await checkReceiptIndependently(chain, stack, record!);
  expect(check.order.state).toBe(OrderState.Paid);
  expect(check.order.commitment).toBe(check.commitment);
}

describe.skipIf(!existsSync(CHROMIUM_PATH))("resilience of the client's steps", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: CLIENT_KEY });
    page = await pekanu.openApp();
    await pekanu.reachChooseFile(page);
  });

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(() => pekanu?.shotAll(`failed-${task.name.slice(0, 40)}`));
  });

  afterAll(async () => {
    if (pekanu?.shots.length) console.log(`${SUITE} screenshots:\n  ${pekanu.shots.join("\n  ")}`);
    await pekanu?.close();
    await Promise.all(files.map((f) => f.cleanup()));
    await releaseStack();
  });

  test("(a) popup and page closed while the payment waits in the wallet: the flow resumes, paid once", async () => {
    const file = await tempFile("a-report.pdf", 256 * 1024 + 5);
    await pekanu.chooseFile(page, file.path);
    await pekanu.requestQuote(page);
    const orderId = await currentOrderId(page);
    await clearWalletLog(pekanu.browser);
    await pekanu.setWallet({ approvalDelayMs: 4_000 });

    const popup = await pekanu.openPopup();
    await page.bringToFront();
    await pekanu.click(page, "pay");
    await walletPaymentPending();
    await popup.waitForSelector('[data-testid="popup-busy"]');
    expect(await popup.$eval('[data-testid="popup-busy"]', (e) => e.textContent)).toContain("Confirm the payment in your wallet");
    await pekanu.shot(popup, "a-01-popup-payment-pending");
    await pekanu.shot(page, "a-02-page-payment-pending");
    await popup.close();
    await page.close();

    // The "user" approves in the wallet while no Pekanu page is open.
    await until("the wallet to send the payment", async () => (await walletSentTransactions(pekanu.browser)).length === 1, 30_000);
    const reopenedPopup = await pekanu.openPopup();
    await reopenedPopup.waitForSelector('[data-testid="popup-step"][data-step="confirming"], [data-testid="popup-step"][data-step="upload"]', { timeout: 30_000 });
    await pekanu.shot(reopenedPopup, "a-03-popup-reopened");
    await reopenedPopup.close();

    page = await pekanu.openApp();
    await pekanu.waitForStep(page, "upload", 60_000);
    expect(await currentOrderId(page)).toBe(orderId);
    await pekanu.shot(page, "a-04-page-reopened-upload");
    await pekanu.setWallet({ approvalDelayMs: 0 });
    // The reopened page does not hold the file any more: it asks for it again, checks its root, uploads.
    await page.waitForSelector('[data-testid="upload-file-input"]');
    await pekanu.upload(page, { file: file.path });
    await pekanu.shot(page, "a-05-stored");
    await expectPaidOnce(orderId);
  });

  test("(b) service worker stopped after the quote and while paying: the flow resumes, paid once", async () => {
    const file = await tempFile("b-dataset.csv", 128 * 1024 + 1);
    await pekanu.newOrder(page);
    await pekanu.chooseFile(page, file.path);
    await pekanu.requestQuote(page);
    const orderId = await currentOrderId(page);
    await clearWalletLog(pekanu.browser);

    // 1. After the quote: the restarted worker reloads the persisted step, quote and balance.
    await pekanu.stopServiceWorker();
    await pekanu.waitForStep(page, "pay", 30_000); // the page reconnects, which starts a fresh worker
    await page.waitForSelector('[data-testid="balance-sufficient"]');
    expect(await pekanu.text(page, "quote-order-id")).toBe(orderId);
    await pekanu.shot(page, "b-01-restarted-after-quote");

    // 2. While the payment waits in the wallet: the worker that asked for it is gone when the
    // wallet sends it. The new worker must find the payment on chain, not ask to pay again.
    await pekanu.setWallet({ approvalDelayMs: 3_000 });
    await pekanu.click(page, "pay");
    await walletPaymentPending();
    await pekanu.stopServiceWorker();
    await until("the wallet to send the payment", async () => (await walletSentTransactions(pekanu.browser)).length === 1, 30_000);
    await pekanu.setWallet({ approvalDelayMs: 0 });
    await pekanu.shot(page, "b-02-restarted-while-paying");
    await pekanu.waitForStep(page, "upload", 90_000);
    expect(await currentOrderId(page)).toBe(orderId);
    await pekanu.shot(page, "b-03-payment-found");
    await pekanu.upload(page);
    await pekanu.shot(page, "b-04-stored");
    await expectPaidOnce(orderId);
  });

  test("(c) payment rejected in the wallet: clear message, nothing charged; retry works", async () => {
    const file = await tempFile("c-thesis.docx", 64 * 1024);
    await pekanu.newOrder(page);
    await pekanu.chooseFile(page, file.path);
    await pekanu.requestQuote(page);
    const orderId = await currentOrderId(page);
    await clearWalletLog(pekanu.browser);
    await pekanu.setWallet({ reject: ["eth_sendTransaction"] });
    const balanceBefore = await chain.balance(CLIENT);
    const nonceBefore = await chain.client.getTransactionCount({ address: CLIENT });

    await pekanu.click(page, "pay");
    await page.waitForSelector('[data-testid="error-banner"][data-code="UserRejected"]', { timeout: 30_000 });
    expect(await pekanu.text(page, "error-banner-title")).toBe("Request rejected");
    expect(await pekanu.text(page, "error-banner-message")).toBe("You rejected the request in your wallet. Nothing was signed or sent.");
    expect(await pekanu.step(page)).toBe("pay");
    await pekanu.shot(page, "c-01-rejected-in-wallet");
    const popup = await pekanu.openPopup();
    await popup.waitForSelector('[data-testid="popup-error"][data-code="UserRejected"]');
    await pekanu.shot(popup, "c-02-popup-rejected");
    await popup.close();

    // Nothing charged: same balance, same nonce, no order on chain.
    expect(await chain.balance(CLIENT)).toBe(balanceBefore);
    expect(await chain.client.getTransactionCount({ address: CLIENT })).toBe(nonceBefore);
    expect((await chain.orderOf(orderId)).state).toBe(OrderState.None);
    expect(await chain.orderPaidEvents(orderId)).toHaveLength(0);
    const log = await getWalletLog(pekanu.browser);
    expect(log.filter((e) => e.method === "eth_sendTransaction").map((e) => e.status)).toEqual(["rejected"]);
    expect((await pekanu.flowState(page)).order!.payment).toBeNull();

    // Retry with the wallet approving.
    await pekanu.setWallet({ reject: false });
    await pekanu.click(page, "error-banner-dismiss");
    await page.waitForSelector('[data-testid="error-banner"]', { hidden: true });
    await pekanu.pay(page);
    await pekanu.upload(page);
    await pekanu.shot(page, "c-03-retried-and-stored");
    await expectPaidOnce(orderId);
  });

  test("(d) balance too low: the shortfall is shown and Pay is disabled", async () => {
    const poorKey = generatePrivateKey();
    const poor = privateKeyToAccount(poorKey).address;
    const funds = parseEther("0.000002"); // less than the smallest price (1e13 wei)
    await chain.fund(poor, funds);
    const file = await tempFile("d-video.mp4", 32 * 1024);

    await pekanu.newOrder(page);
    await pekanu.setWallet({ privateKey: poorKey });
    // Another account: the session was for the previous one.
    await pekanu.waitForStep(page, "signIn", 30_000);
    await pekanu.signIn(page);
    expect(await pekanu.text(page, "session-status")).toContain(poor);
    await pekanu.register(page);
    expect(await chain.isRegistered(poor)).toBe(true);
    await pekanu.chooseFile(page, file.path);
    await pekanu.requestQuote(page);

    await page.waitForSelector('[data-testid="balance-shortfall"]');
    const balance = (await pekanu.flowState(page)).order!.balance!;
    expect(BigInt(balance.balance)).toBe(funds);
    expect(balance.sufficient).toBe(false);
    expect(BigInt(balance.shortfall)).toBe(BigInt(balance.required) - funds);
    expect(BigInt(balance.required)).toBeGreaterThan(funds);
    expect(await pekanu.text(page, "balance-shortfall")).toMatch(/^short by [0-9.]+ ETH$/);
    expect(await page.$eval('[data-testid="pay"]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await page.waitForSelector('[data-testid="error-banner"]');
    expect(await pekanu.text(page, "next-action")).toContain("Your balance is too low");
    await pekanu.shot(page, "d-01-shortfall-pay-disabled");
    // Nothing was sent from the poor account.
    expect(await chain.client.getTransactionCount({ address: poor })).toBe(0);
    expect(await chain.balance(poor)).toBe(funds);
  });
});
