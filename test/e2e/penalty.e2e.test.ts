/**
 * Seed step 14 against a misbehaving provider, through the extension's UI: after a successful
 * order the stored blob is corrupted behind the server's back; the client challenges the storage
 * from the vault (the bond shown, read from the contract), the server cannot prove the drawn
 * chunk, chain time is moved past the deadline (evm_increaseTime + evm_mine), the client claims
 * the penalty and withdraws it. The money is checked exactly: the credit is price + fine + bond,
 * the withdrawal moves exactly that, and over the whole order the client's balance rises by the
 * fine minus the gas of its four transactions (gasUsed × effectiveGasPrice of each receipt).
 * Screens under test-results/penalty.e2e/.
 */
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { OrderState, serverContractAbi } from "@pekanu/protocol";
import type { Page } from "puppeteer-core";
import { type Address, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH, walletSentTransactions } from "../support/browser.ts";
import { type ChainView, chainView, quoteFromJson, type VaultRecordJson } from "./support/chain.ts";
import { formatEth } from "../../extension/src/lib/format.ts";
import { makeTempFile, PekanuBrowser, until } from "./support/pekanu.ts";
import { ACCOUNTS, blobPath, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "penalty.e2e";
const CLIENT_KEY = devKey(ACCOUNTS.penaltyClient);
const CLIENT: Address = privateKeyToAccount(CLIENT_KEY).address;
const FILE_SIZE = 40 * 1024 + 17;

let stack: StackInfo;
let chain: ChainView;
let pekanu: PekanuBrowser;
let page: Page;
let file: Awaited<ReturnType<typeof makeTempFile>>;
let record: VaultRecordJson;
let balanceBeforeOrder: bigint;
let bond: bigint;
let expectedCredit: bigint;
let stakeBeforeClaim: readonly [bigint, bigint];

type StatusTask = { kind: string; orderId: Hex; status: string; lastError: string | null };

async function providerTasks(orderId: Hex): Promise<StatusTask[]> {
  const status = (await (await fetch(`${stack.providerUrl}/v1/status`)).json()) as { recentTasks: StatusTask[] };
  return status.recentTasks.filter((t) => t.orderId.toLowerCase() === orderId.toLowerCase());
}

const stakeOf = () => chain.client.readContract({ address: stack.contract, abi: serverContractAbi, functionName: "stake" }) as Promise<readonly [bigint, bigint]>;

/** Reads the order on chain from the vault detail until `ready` holds. */
async function refreshUntil(what: string, ready: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
  await until(
    what,
    async () => {
      if (await ready()) return true;
      await pekanu.click(page, "detail-refresh-chain");
      // The page disables its actions while a chain read runs: look again only once it finished,
      // or every probe would land inside the next read (the click waits for the button, then
      // starts a new read at once).
      await page.waitForSelector('[data-testid="detail-refresh-chain"]:not([disabled])', { timeout: 20_000 });
      return Boolean(await ready());
    },
    timeoutMs,
  );
}

describe.skipIf(!existsSync(CHROMIUM_PATH))("a provider that lost the file pays the penalty", () => {
  beforeAll(async () => {
    stack = await useStack();
    chain = chainView(stack);
    file = await makeTempFile("tax-records.pdf", FILE_SIZE);
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

  test("a successful order: stored, σ verified", async () => {
    await pekanu.reachChooseFile(page);
    balanceBeforeOrder = await chain.balance(CLIENT);
    await pekanu.storeFile(page, file.path);
    [record] = await pekanu.vaultRecords(page);
    expect(record!.verification.status).toBe("verified");
    expect((await chain.orderOf(record!.orderId)).state).toBe(OrderState.Paid);
    await pekanu.shot(page, "01-stored");
  });

  test("the blob is corrupted behind the server's back: the free audit fails", async () => {
    const blob = blobPath(stack, record.fileRoot);
    const original = await readFile(blob);
    expect(original.length).toBe(FILE_SIZE);
    // Same size, every byte flipped: the provider still "has" a file, just not this one.
    await writeFile(blob, Buffer.from(original.map((b) => b ^ 0xff)));
    expect((await stat(blob)).size).toBe(FILE_SIZE);

    await pekanu.click(page, "receipt-open-vault");
    await page.waitForSelector(`[data-testid="vault-detail"][data-key="${record.key}"]`);
    await page.waitForSelector('[data-testid="detail-chain-state"] [data-state="Paid"]', { timeout: 30_000 });
    await pekanu.click(page, "detail-audit");
    await page.waitForSelector('[data-testid="detail-audit-result"][data-ok="false"]', { timeout: 30_000 });
    await pekanu.shot(page, "02-audit-fails");
    // The files home tells the truth: this file is a problem now, first in the list.
    const home = await pekanu.openApp("");
    await home.waitForSelector(`[data-testid="file-row"][data-key="${record.key}"][data-status="problem"]`, { timeout: 30_000 });
    expect(await home.$eval('[data-testid="file-row"] [data-testid="file-status"]', (e) => e.textContent)).toBe("Problem: the provider failed a check");
    // A passed check never offered a challenge; a failed one does, explained in a sentence.
    expect(await pekanu.text(page, "detail-challenge-explain")).toMatch(/^A challenge makes the provider prove on chain/);
    await pekanu.shot(home, "02b-files-home-problem");
    await home.close();
    await page.bringToFront();
  });

  test("storage challenge from the vault, with the bond read from the contract", async () => {
    bond = (await chain.params()).challengeBond;
    await page.waitForSelector(`[data-testid="detail-bond"][data-bond="${bond}"]`);
    expect(await pekanu.text(page, "detail-challenge")).toBe("Challenge storage (bond 0.001 ETH)");
    await pekanu.shot(page, "03-challenge-offered-with-bond");

    await pekanu.click(page, "detail-challenge");
    await page.waitForSelector('[data-testid="detail-action"][data-kind="challengeStorage"][data-status="confirmed"]', { timeout: 60_000 });
    await refreshUntil("the order Challenged in the vault", () => page.$('[data-testid="detail-chain-state"] [data-state="Challenged"]'));
    expect((await chain.orderOf(record.orderId)).state).toBe(OrderState.Challenged);
    const pending = await chain.pendingOf(record.orderId);
    expect(pending.deadline).toBeGreaterThan(await chain.latestTimestamp() - 5);
    const challengeTx = (await pekanu.vaultRecords(page)).find((r) => r.key === record.key)!.actions.find((a) => a.kind === "challengeStorage")!;
    expect(challengeTx.value).toBe(bond.toString());
    const { receipt } = await chain.txCost(challengeTx.txHash);
    const [challenged] = parseEventLogs({ abi: serverContractAbi, eventName: "StorageChallenged", logs: receipt.logs });
    expect(challenged!.args.orderId).toBe(record.orderId);
    // Contract v2: the challenge names the chunk the failed audit found.
    const audits = (await pekanu.vaultRecords(page)).find((r) => r.key === record.key)!.audits;
    const failedAudit = [...audits].reverse().find((a) => !a.ok)!;
    expect(challenged!.args.chunkIndices).toEqual([BigInt(failedAudit.index)]);
    expect(Number(challenged!.args.deadline)).toBe(pending.deadline);
    await page.waitForSelector(`[data-testid="detail-deadline"] [data-deadline="${pending.deadline}"]`);
  });

  test("the provider cannot answer: its task fails on the corrupt blob, the chain stays Challenged", async () => {
    const tasks = await until("the provider's answer to fail", async () => {
      const list = await providerTasks(record.orderId);
      return list.some((t) => t.status === "failed") ? list : null;
    });
    const failed = tasks.find((t) => t.status === "failed")!;
    expect(failed.kind).toBe("answerStorageChallenge");
    expect(failed.lastError).toMatch(/corrupt/);
    expect((await chain.orderOf(record.orderId)).state).toBe(OrderState.Challenged);
    expect(await page.$eval('[data-testid="detail-claim"]', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await pekanu.shot(page, "04-challenged-provider-silent");
  });

  test("past the deadline (chain time moved forward), the penalty is claimed from the UI", async () => {
    const { deadline } = await chain.pendingOf(record.orderId);
    const now = await chain.latestTimestamp();
    await chain.increaseTime(Math.max(1, deadline - now + 1));
    expect(await chain.latestTimestamp()).toBeGreaterThan(deadline);

    const quote = quoteFromJson(record.quote);
    expectedCredit = quote.price + quote.fine + bond; // unsettled price + fine + bond back
    await refreshUntil("the claim to be offered", () => page.$('[data-testid="detail-claim"]:not([disabled])'));
    expect(await pekanu.text(page, "detail-claim")).toContain("Claim penalty (");
    await pekanu.shot(page, "05-claim-offered");

    stakeBeforeClaim = await stakeOf();
    await pekanu.click(page, "detail-claim");
    await page.waitForSelector('[data-testid="detail-action"][data-kind="claimPenalty"][data-status="confirmed"]', { timeout: 60_000 });
    await refreshUntil("the order Penalized in the vault", () => page.$('[data-testid="detail-chain-state"] [data-state="Penalized"]'));
    expect((await chain.orderOf(record.orderId)).state).toBe(OrderState.Penalized);
    expect(await chain.withdrawable(CLIENT)).toBe(expectedCredit);
    // The fine came out of the provider's stake (and is no longer locked).
    const stakeAfter = await stakeOf();
    expect(stakeAfter[0]).toBe(stakeBeforeClaim[0] - quote.fine);
    expect(stakeAfter[1]).toBe(stakeBeforeClaim[1] - quote.fine);
    await pekanu.shot(page, "06-penalty-claimed");
    const home = await pekanu.openApp("");
    const lost = `Lost — penalty paid ${formatEth(expectedCredit)} ETH`;
    await home.waitForSelector(`[data-testid="file-row"][data-key="${record.key}"][data-status="lost"]`, { timeout: 30_000 });
    expect(await home.$eval(`[data-testid="file-row"][data-key="${record.key}"] [data-testid="file-status"]`, (e) => e.textContent)).toBe(lost);
    await pekanu.shot(home, "06b-files-home-lost");
    await home.close();
    await page.bringToFront();
  });

  test("the credit is withdrawn: exactly the claimed amount reaches the client", async () => {
    await pekanu.click(page, "tab-credits");
    await page.waitForSelector(`[data-testid="credits-amount"][data-wei="${expectedCredit}"]`, { timeout: 30_000 });
    await pekanu.shot(page, "07-credits-to-withdraw");

    const before = await chain.balance(CLIENT);
    await pekanu.click(page, "credits-withdraw");
    await page.waitForSelector('[data-testid="credits-withdraw-tx"]', { timeout: 30_000 });
    const sent = await walletSentTransactions(pekanu.browser);
    const withdrawTx = sent.at(-1)!.result as Hex;
    expect(await pekanu.text(page, "credits-withdraw-tx")).toContain(withdrawTx);
    const withdrawal = await chain.txCost(withdrawTx);
    expect(withdrawal.status).toBe("success");
    const [withdrawn] = parseEventLogs({ abi: serverContractAbi, eventName: "Withdrawn", logs: withdrawal.receipt.logs });
    expect(withdrawn!.args).toMatchObject({ account: CLIENT, amount: expectedCredit });
    expect(await chain.balance(CLIENT)).toBe(before + expectedCredit - withdrawal.cost);
    expect(await chain.withdrawable(CLIENT)).toBe(0n);
    await page.waitForSelector('[data-testid="credits-amount"][data-wei="0"]', { timeout: 30_000 });
    await pekanu.shot(page, "08-withdrawn");

    // Over the whole order: paid price + bond, got price + fine + bond back: up by the fine, minus gas.
    expect(sent).toHaveLength(4); // pay, challengeStorage, claimPenalty, withdraw
    let gas = 0n;
    for (const tx of sent) {
      const cost = await chain.txCost(tx.result as Hex);
      expect(cost.from.toLowerCase()).toBe(CLIENT.toLowerCase());
      expect(cost.status).toBe("success");
      gas += cost.cost;
    }
    const quote = quoteFromJson(record.quote);
    expect(await chain.balance(CLIENT)).toBe(balanceBeforeOrder + quote.fine - gas);
  });
});
