/**
 * The client's steps (seed steps 1–13) through the Pekanu extension's UI, in Debian's Chromium with
 * the test wallet, against a real local chain and provider server. Every screen is saved under
 * test-results/flow.e2e/. The receipt the extension keeps is then read back from its IndexedDB
 * vault and checked independently of the extension: σ against the contract's signer() (viem, in
 * Node), the order Paid on chain with the commitment of exactly the quoted struct hash, and the
 * file root against the commitment of the temp file computed in Node.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import { OrderState, serverContractAbi } from "@pekanu/protocol";
import { fileCommitment } from "@pekanu/protocol/node";
import type { Page } from "puppeteer-core";
import { type Address, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, walletSentTransactions } from "../support/browser.ts";
import { type ChainView, chainView, checkReceiptIndependently, type VaultRecordJson } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser } from "./support/pekanu.ts";
import { ACCOUNTS, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "flow.e2e";
const CLIENT_KEY = devKey(ACCOUNTS.flowClient);
const CLIENT: Address = privateKeyToAccount(CLIENT_KEY).address;
const FILE_SIZE = 40 * 1024 * 1024 + 777; // three 16 MiB segments (shared by the hashing helpers) and a partial last chunk

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
let file: Awaited<ReturnType<typeof makeTempFile>>;
let nodeRoot: Hex;
let record: VaultRecordJson;

describe.skipIf(!existsSync(CHROMIUM_PATH))("the client's steps 1–13 through the extension", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    file = await makeTempFile("holiday-photos.tar", FILE_SIZE);
    nodeRoot = (await fileCommitment({ path: file.path })).root;
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: CLIENT_KEY });
    page = await pekanu.openApp();
  });

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(() => pekanu?.shotAll(`failed-${task.name.slice(0, 40)}`));
  });

  afterAll(async () => {
    if (pekanu?.shots.length) console.log(`${SUITE} screenshots:\n  ${pekanu.shots.join("\n  ")}`);
    await pekanu?.close();
    await file?.cleanup();
    await releaseStack();
  });

  test("step 1: the provider's contract is deployed; the extension starts at 'connect'", async () => {
    expect(await chain.client.getCode({ address: stack.contract })).toMatch(/^0x[0-9a-f]{100,}$/);
    expect((await chain.signer()).toLowerCase()).toBe(privateKeyToAccount(devKey(ACCOUNTS.signer)).address.toLowerCase());
    expect(await pekanu.step(page)).toBe("connect");
    await page.waitForSelector('[data-testid="wallet-status"]');
    await pekanu.shot(page, "01-start");
  });

  test("step 4: provider connected, its contract and signer read on chain", async () => {
    await pekanu.connectProvider(page);
    expect(await pekanu.step(page)).toBe("signIn");
    expect((await pekanu.text(page, "provider-contract")).toLowerCase()).toContain(stack.contract.toLowerCase());
    expect(await pekanu.text(page, "provider-signer-check")).toBe("read on chain");
    expect(await pekanu.text(page, "provider-chain-status")).toContain("wallet on this network");
    await pekanu.shot(page, "02-provider-connected");
  });

  test("sign-in with Ethereum: a signature in the wallet, no transaction", async () => {
    await pekanu.signIn(page);
    expect(await pekanu.text(page, "session-status")).toContain(CLIENT);
    expect(await walletSentTransactions(pekanu.browser)).toHaveLength(0);
    await pekanu.shot(page, "03-signed-in");
  });

  test("steps 2–3 and 7: registration requested, its tx and event shown, isRegistered on chain", async () => {
    expect(await chain.isRegistered(CLIENT)).toBe(false);
    await pekanu.register(page);
    const txHash = (await pekanu.text(page, "registration-tx")) as Hex;
    expect(txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await pekanu.text(page, "registration-event")).toContain("found");
    // Independently: the shown tx registered exactly this client, and the contract says so.
    const { receipt } = await chain.txCost(txHash);
    const events = parseEventLogs({ abi: serverContractAbi, eventName: "ClientRegistered", logs: receipt.logs });
    expect(events.map((e) => e.args.client.toLowerCase())).toEqual([CLIENT.toLowerCase()]);
    expect(receipt.to?.toLowerCase()).toBe(stack.contract.toLowerCase());
    expect(await chain.isRegistered(CLIENT)).toBe(true);
    const flow = await pekanu.flowState(page);
    expect(flow.registration).toMatchObject({ status: "confirmed", txHash, eventSeen: true, isRegistered: true });
    await pekanu.shot(page, "04-registered");
  });

  test("step 5: the file is chosen and its commitment computed in the page's worker", async () => {
    await pekanu.chooseFile(page, file.path);
    expect((await pekanu.text(page, "file-root")).toLowerCase()).toBe(nodeRoot.toLowerCase());
    expect(await pekanu.text(page, "file-name")).toContain("holiday-photos.tar");
    // Hashed by the WebAssembly SIMD code (the CSP allows it), shared among one helper per core.
    const threads = Math.min(os.availableParallelism(), 4);
    expect(await pekanu.text(page, "hash-speed")).toMatch(new RegExp(`/s \\(WebAssembly SIMD, ${threads} threads?\\)$`));
    await pekanu.shot(page, "05-file-committed");
  });

  test("steps 6 and 8: a signed quote is shown and the balance check passes", async () => {
    await pekanu.requestQuote(page);
    await page.waitForSelector('[data-testid="balance-sufficient"]');
    const flow = await pekanu.flowState(page);
    const quote = flow.order!.quote!.quote;
    expect(quote.client.toLowerCase()).toBe(CLIENT.toLowerCase());
    expect(quote.fileRoot.toLowerCase()).toBe(nodeRoot.toLowerCase());
    expect(quote.size).toBe(String(FILE_SIZE));
    expect(BigInt(quote.fine)).toBe(2n * BigInt(quote.price));
    expect(await pekanu.text(page, "quote-order-id")).toBe(quote.orderId);
    expect(await pekanu.text(page, "quote-signer")).toContain("the contract's signer");
    expect(await page.$('[data-testid="quote-expires"] [data-expired="false"]')).not.toBeNull();
    expect(BigInt(flow.order!.balance!.balance)).toBe(await chain.balance(CLIENT));
    expect(flow.order!.balance!.sufficient).toBe(true);
    expect(await page.$eval('[data-testid="pay"]', (b) => (b as HTMLButtonElement).disabled)).toBe(false);
    await pekanu.shot(page, "06-quote-and-balance");
  });

  test("steps 9–11: the payment is approved in the wallet, mined and confirmed by the provider", async () => {
    const popupBefore = await pekanu.openPopup();
    expect(await popupBefore.$eval('[data-testid="popup-step"]', (e) => (e as HTMLElement).dataset.step)).toBe("pay");
    await pekanu.shot(popupBefore, "07-popup-before-payment");
    await popupBefore.close();
    await page.bringToFront();

    await pekanu.pay(page);
    const sent = await walletSentTransactions(pekanu.browser);
    expect(sent).toHaveLength(1);
    const flow = await pekanu.flowState(page);
    expect(flow.order!.payment).toMatchObject({ txHash: sent[0]!.result, status: "mined", providerConfirmed: true });
    expect(await pekanu.text(page, "payment-tx")).toBe(sent[0]!.result);
    await page.waitForSelector('[data-testid="payment-status"] [data-status="mined"]');
    await page.waitForSelector('[data-testid="payment-confirmations"] [data-confirmed="true"]');
    await pekanu.shot(page, "08-payment-confirmed");
  });

  test("step 12: the file is uploaded with progress", async () => {
    await pekanu.upload(page, { progressShot: "09-uploading" });
    const flow = await pekanu.flowState(page);
    expect(flow.order!.upload).toMatchObject({ status: "done", mode: "upload", sent: FILE_SIZE, total: FILE_SIZE, attempts: 1 });
    expect(await page.$('[data-testid="upload-done"]')).not.toBeNull();
  });

  test("step 13: σ verified against contract.signer() and kept in the vault", async () => {
    await page.waitForSelector('[data-testid="receipt-status"] [data-status="verified"]');
    await pekanu.shot(page, "10-receipt-verified");
    const popup = await pekanu.openPopup();
    expect(await popup.$eval('[data-testid="popup-step"]', (e) => (e as HTMLElement).dataset.step)).toBe("done");
    await pekanu.shot(popup, "11-popup-done");
    await popup.close();
    await page.bringToFront();
  });

  test("the vault's receipt checks out independently: σ, order Paid with the quote's commitment, file root", async () => {
    const records = await pekanu.vaultRecords(page);
    expect(records).toHaveLength(1);
    record = records[0]!;
    const flow = await pekanu.flowState(page);
    expect(record.orderId).toBe(flow.order!.quote!.quote.orderId);
    expect(record.signature).toBe(flow.order!.receipt!.signature);
    expect(record.link).toBe(flow.order!.receipt!.link);
    expect(record.link).toBe(`${stack.providerUrl}/v1/files/${nodeRoot.toLowerCase()}`);
    expect(record.verification.status).toBe("verified");
    expect(record.paymentStatus).toBe("mined");

    const check = await checkReceiptIndependently(chain, stack, record); // throws unless σ is the signer's
    expect(check.signer.toLowerCase()).toBe(record.signer!.toLowerCase());
    expect(check.order.state).toBe(OrderState.Paid);
    expect(check.order.commitment).toBe(check.commitment);
    expect(check.order.settled).toBe(false);
    expect(check.quote.client.toLowerCase()).toBe(CLIENT.toLowerCase());
    // The file root the extension committed to is the commitment of the file on disk (Node, node:crypto).
    expect(record.fileRoot.toLowerCase()).toBe(nodeRoot.toLowerCase());
    expect(check.quote.fileRoot.toLowerCase()).toBe(nodeRoot.toLowerCase());
    expect(check.quote.size).toBe(BigInt(FILE_SIZE));
    // One payment, the one the wallet sent.
    const paid = await chain.orderPaidEvents(record.orderId);
    expect(paid).toHaveLength(1);
    expect(paid[0]!.transactionHash).toBe(record.payTxHash);
    expect(paid[0]!.args.price).toBe(check.quote.price);
  });

  test("the vault shows the receipt, and a free audit passes", async () => {
    await pekanu.click(page, "receipt-open-vault");
    await page.waitForSelector(`[data-testid="vault-detail"][data-key="${record.key}"]`);
    await page.waitForSelector('[data-testid="detail-chain-state"] [data-state="Paid"]', { timeout: 30_000 });
    expect(await pekanu.text(page, "detail-verification")).toContain("σ verified on chain");
    await pekanu.click(page, "detail-audit");
    await page.waitForSelector('[data-testid="detail-audit-result"][data-ok="true"]', { timeout: 30_000 });
    await pekanu.shot(page, "12-vault-detail-audit");
  });
});
