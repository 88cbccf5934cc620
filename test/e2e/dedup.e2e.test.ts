/**
 * Deduplication through the extension's UI: a first client stores a file; a second client (the
 * test wallet switched to another key) asks to store the same file. The provider says it already
 * stores it: after paying, the second client proves ownership of the chunks the provider names
 * (computed from its local copy) instead of uploading, and gets its own σ for its own order.
 * Checked independently: no new blob on the provider, the provider's order says deduplicated,
 * both σ verify against contract.signer(), both orders Paid on chain. Screens under
 * test-results/dedup.e2e/.
 */
import { existsSync } from "node:fs";
import { OrderState } from "@pekanu/protocol";
import { fileCommitment } from "@pekanu/protocol/node";
import type { Page } from "puppeteer-core";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, clearWalletLog, walletSentTransactions } from "../support/browser.ts";
import { type ChainView, chainView, checkReceiptIndependently, type VaultRecordJson } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser } from "./support/pekanu.ts";
import { ACCOUNTS, blobNames, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "dedup.e2e";
const FIRST_KEY = devKey(ACCOUNTS.dedupFirst);
const SECOND_KEY = devKey(ACCOUNTS.dedupSecond);
const FIRST: Address = privateKeyToAccount(FIRST_KEY).address;
const SECOND: Address = privateKeyToAccount(SECOND_KEY).address;
const FILE_SIZE = 200 * 1024 + 300;

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
let file: Awaited<ReturnType<typeof makeTempFile>>;
let fileRoot: Hex;
let firstRecord: VaultRecordJson;
let blobsAfterFirst: string[];
let filesAfterFirst: number;

/** The provider's own count of stored files (GET /v1/status). */
async function providerFileCount(): Promise<number> {
  const status = (await (await fetch(`${stack.providerUrl}/v1/status`)).json()) as { files: { count: number } };
  return status.files.count;
}
let secondOrderId: Hex;

describe.skipIf(!existsSync(CHROMIUM_PATH))("a second client storing the same file is deduplicated", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    file = await makeTempFile("shared-dataset.zip", FILE_SIZE);
    fileRoot = (await fileCommitment({ path: file.path })).root;
    pekanu = await PekanuBrowser.launch({ stack, suite: SUITE, clientKey: FIRST_KEY });
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

  test("the first client uploads the file: a new blob on the provider", async () => {
    const blobsBefore = await blobNames(stack);
    expect(blobsBefore).not.toContain(fileRoot.toLowerCase());
    await pekanu.reachChooseFile(page);
    await pekanu.chooseFile(page, file.path);
    await pekanu.requestQuote(page);
    expect(await page.$('[data-testid="quote-deduplicated"]')).toBeNull();
    await pekanu.pay(page);
    await pekanu.upload(page);
    await pekanu.shot(page, "01-first-client-stored");
    blobsAfterFirst = await blobNames(stack);
    expect(blobsAfterFirst).toEqual([...blobsBefore, fileRoot.toLowerCase()].sort());
    filesAfterFirst = await providerFileCount();
    [firstRecord] = await pekanu.vaultRecords(page);
    expect(firstRecord.client.toLowerCase()).toBe(FIRST.toLowerCase());
    expect(firstRecord.deduplicated).toBe(false);
  });

  test("the wallet switches to a second client, which signs in and registers", async () => {
    await pekanu.newOrder(page);
    await pekanu.setWallet({ privateKey: SECOND_KEY });
    await clearWalletLog(pekanu.browser);
    await pekanu.waitForStep(page, "signIn", 30_000);
    await page.waitForSelector(`[data-testid="wallet-status"][data-account="${SECOND.toLowerCase()}"]`);
    await pekanu.signIn(page);
    expect(await pekanu.text(page, "session-status")).toContain(SECOND);
    await pekanu.register(page);
    expect(await chain.isRegistered(SECOND)).toBe(true);
    await pekanu.shot(page, "02-second-client-registered");
  });

  test("the same file is quoted as deduplicated, with chunks to prove", async () => {
    await pekanu.chooseFile(page, file.path);
    await pekanu.requestQuote(page);
    await page.waitForSelector('[data-testid="quote-deduplicated"]');
    await page.waitForSelector('[data-testid="balance-sufficient"]');
    const quote = (await pekanu.flowState(page)).order!.quote!;
    secondOrderId = quote.quote.orderId;
    expect(quote.deduplicated).toBe(true);
    expect(quote.quote.client.toLowerCase()).toBe(SECOND.toLowerCase());
    expect(quote.quote.fileRoot.toLowerCase()).toBe(fileRoot.toLowerCase());
    expect(secondOrderId).not.toBe(firstRecord.orderId);
    const chunks = Math.ceil(FILE_SIZE / 1024);
    expect(quote.ownershipIndices!.length).toBeGreaterThan(0);
    expect(quote.ownershipIndices!.every((i) => Number.isInteger(i) && i >= 0 && i < chunks)).toBe(true);
    await pekanu.shot(page, "03-quote-deduplicated");
  });

  test("after paying, ownership is proven instead of uploading; its own σ is verified", async () => {
    await pekanu.pay(page);
    await page.waitForSelector('[data-testid="ownership-prove"]');
    expect(await page.$('[data-testid="upload-start"]')).toBeNull();
    await pekanu.shot(page, "04-prove-ownership");
    await pekanu.upload(page); // clicks "Prove ownership"
    await pekanu.shot(page, "05-ownership-proven-receipt-verified");
    const flow = await pekanu.flowState(page);
    expect(flow.order!.upload).toMatchObject({ status: "done", mode: "ownershipProof", attempts: 1 });
    expect(flow.order!.upload!.total).toBe(flow.order!.quote!.ownershipIndices!.length);
    expect(await walletSentTransactions(pekanu.browser)).toHaveLength(1); // only the payment
  });

  test("no upload happened: the provider holds no new blob and its order says deduplicated", async () => {
    expect(await blobNames(stack)).toEqual(blobsAfterFirst);
    const { session } = await pekanu.flowState(page);
    expect(session!.address.toLowerCase()).toBe(SECOND.toLowerCase());
    const response = await fetch(`${stack.providerUrl}/v1/orders/${secondOrderId}`, { headers: { authorization: `Bearer ${session!.token}` } });
    expect(response.status).toBe(200);
    const order = (await response.json()) as { deduplicated: boolean; status: string; receipt: { link: string; signature: Hex } | null; quote: { client: Address } };
    expect(order).toMatchObject({ deduplicated: true, status: "stored" });
    expect(order.quote.client.toLowerCase()).toBe(SECOND.toLowerCase());
    expect(order.receipt).not.toBeNull();
    expect(await providerFileCount()).toBe(filesAfterFirst);
  });

  test("the second client's own σ is in its vault and checks out independently; both orders are paid", async () => {
    const records = await pekanu.vaultRecords(page);
    const second = records.find((r) => r.orderId === secondOrderId)!;
    expect(second).toMatchObject({ deduplicated: true, paymentStatus: "mined" });
    expect(second.client.toLowerCase()).toBe(SECOND.toLowerCase());
    expect(second.verification.status).toBe("verified");
    expect(second.signature).not.toBe(firstRecord.signature);
    expect(second.link).toBe(firstRecord.link); // same file, same L
    const flow = await pekanu.flowState(page);
    expect(second.signature).toBe(flow.order!.receipt!.signature);
    for (const record of [firstRecord, second]) {
      const check = await checkReceiptIndependently(chain, stack, record);
      expect(check.order.state).toBe(OrderState.Paid);
      expect(check.order.commitment).toBe(check.commitment);
      expect(check.quote.fileRoot.toLowerCase()).toBe(fileRoot.toLowerCase());
    }
    await pekanu.click(page, "receipt-open-vault");
    await page.waitForSelector(`[data-testid="vault-detail"][data-key="${second.key}"]`);
    await page.waitForSelector('[data-testid="detail-chain-state"] [data-state="Paid"]', { timeout: 30_000 });
    await pekanu.shot(page, "06-vault-second-client");
  });
});
