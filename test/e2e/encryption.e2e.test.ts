/**
 * Client-side encryption through the extension's UI (issue 13, docs/encryption.md), two Chromium
 * profiles with the real extension:
 *  - convergent mode: client A stores a file; client B (another profile, another wallet account)
 *    stores the same file, uploads nothing and proves ownership of the ciphertext; both download
 *    and decrypt the same bytes. The provider holds exactly the ciphertext Node computes.
 *  - private mode: the same file chosen twice gives two different roots.
 *  - a share link of A's private file, opened in B's profile (which never held it), decrypts it;
 *    a link with a damaged key saves nothing; the provider's log never holds a file key.
 *  - A's vault exported with a passphrase and imported into B's profile: a wrong passphrase imports
 *    nothing; the right one restores every record with its key, each σ verified.
 * Files are small (two encryption segments). Screens under test-results/encryption.e2e/ (three are
 * copied to docs/screenshots/).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { deriveConvergentKey, encryptBytes } from "@pekanu/protocol/encryption";
import { fileRootOf } from "@pekanu/protocol/merkle";
import { fileCommitment, nodeSha256 } from "@pekanu/protocol/node";
import type { Page } from "puppeteer-core";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CHROMIUM_PATH } from "../support/browser.ts";
import type { VaultRecordJson } from "./support/chain.ts";
import { makeTempFile, PekanuBrowser, until } from "./support/pekanu.ts";
import { ACCOUNTS, blobNames, blobPath, devKey, releaseStack, type StackInfo, useStack } from "./support/stack.ts";

const SUITE = "encryption.e2e";
const A_KEY = devKey(ACCOUNTS.encryptionFirst);
const B_KEY = devKey(ACCOUNTS.encryptionSecond);
const B = privateKeyToAccount(B_KEY).address;
const FILE_SIZE = 100 * 1024 + 77; // two 64 KiB encryption segments
const PASSPHRASE = "correct horse battery staple";

type Encrypted = VaultRecordJson & { encryption: { mode: string; key: Hex | null; plaintextSize: number; segmentSize: number; header?: Hex } | null; fileName: string };

let stack: StackInfo;
let a: PekanuBrowser;
let b: PekanuBrowser;
let pageA: Page;
let pageB: Page;
let file: Awaited<ReturnType<typeof makeTempFile>>;
let convergentRoot: Hex;
let convergentCiphertext: Uint8Array;
const downloads = new Map<PekanuBrowser, string>();

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** Downloads of this browser land in a directory of their own. */
async function allowDownloads(pekanu: PekanuBrowser): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pekanu-dl-"));
  const cdp = await pekanu.browser.target().createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: dir, eventsEnabled: true });
  downloads.set(pekanu, dir);
  return dir;
}

/** The finished download named `name` (Chromium writes `<name>.crdownload` first). */
async function downloaded(pekanu: PekanuBrowser, name: string): Promise<Buffer> {
  const dir = downloads.get(pekanu)!;
  const target = path.join(dir, name);
  await until(`download ${name}`, async () => existsSync(target) && !existsSync(`${target}.crdownload`) && (await stat(target)).size >= 0, 30_000);
  return readFile(target);
}

async function recordsOf(pekanu: PekanuBrowser, page: Page): Promise<Encrypted[]> {
  return (await pekanu.vaultRecords(page)) as Encrypted[];
}

/** The vault detail of `key`, and its download (decrypted to disk by the page's worker). */
async function downloadFromVault(pekanu: PekanuBrowser, key: string): Promise<Page> {
  const page = await pekanu.openApp(`#vault/${encodeURIComponent(key)}`);
  await page.waitForSelector(`[data-testid="vault-detail"][data-key="${key}"]`, { timeout: 30_000 });
  await pekanu.click(page, "detail-download");
  await page.waitForSelector('[data-testid="detail-download-status"][data-state="ok"], [data-testid="detail-download-status"][data-state="bad"]', { timeout: 60_000 });
  expect(await pekanu.text(page, "detail-download-status")).toContain("decrypted");
  return page;
}

describe.skipIf(!existsSync(CHROMIUM_PATH))("files are encrypted in the browser; convergent files deduplicate, links share, exports are sealed", () => {
  beforeAll(async () => {
    stack = await useStack();
    file = await makeTempFile("holiday-photos.tar", FILE_SIZE);
    const plaintextRoot = (await fileCommitment({ path: file.path })).root;
    convergentCiphertext = await encryptBytes({ key: deriveConvergentKey({ plaintextRoot }), mode: "convergent", plaintext: new Uint8Array(file.bytes) });
    convergentRoot = fileRootOf(convergentCiphertext, { sha256: nodeSha256 }) as Hex;
    [a, b] = await Promise.all([
      PekanuBrowser.launch({ stack, suite: SUITE, clientKey: A_KEY }),
      PekanuBrowser.launch({ stack, suite: SUITE, clientKey: B_KEY }),
    ]);
    await Promise.all([allowDownloads(a), allowDownloads(b)]);
    [pageA, pageB] = await Promise.all([a.openApp(), b.openApp()]);
  });

  beforeEach(({ onTestFailed, task }) => {
    onTestFailed(async () => {
      await a?.shotAll(`failed-a-${task.name.slice(0, 30)}`);
      await b?.shotAll(`failed-b-${task.name.slice(0, 30)}`);
    });
  });

  afterAll(async () => {
    const shots = [...(a?.shots ?? []), ...(b?.shots ?? [])];
    if (shots.length) console.log(`${SUITE} screenshots:\n  ${shots.join("\n  ")}`);
    await Promise.all([a?.close(), b?.close()]);
    for (const dir of downloads.values()) await rm(dir, { recursive: true, force: true });
    await file?.cleanup();
    await releaseStack();
  });

  test("convergent: A's page encrypts before upload; the provider stores exactly the ciphertext, never the plaintext", async () => {
    await Promise.all([a.reachChooseFile(pageA), b.reachChooseFile(pageB)]);
    // The choice, with its one-sentence explanation and the warning about the key.
    await a.setEncryption(pageA, "convergent");
    expect(await a.text(pageA, "encryption-choice")).toContain("someone who has the same file can tell it is stored");
    expect(await a.text(pageA, "encryption-key-warning")).toContain("Losing the key loses the file");
    await a.shot(pageA, "01-encryption-choice");
    await a.chooseFile(pageA, file.path, 60_000, { encryption: "convergent" });
    const order = (await a.flowState(pageA)).order! as unknown as { file: { fileRoot: Hex; size: number; encryption: { mode: string; plaintextSize: number } } };
    expect(order.file.fileRoot.toLowerCase()).toBe(convergentRoot.toLowerCase());
    expect(order.file).toMatchObject({ size: convergentCiphertext.length, encryption: { mode: "convergent", plaintextSize: FILE_SIZE } });
    await a.requestQuote(pageA);
    await a.pay(pageA);
    await a.upload(pageA);
    const blob = await readFile(blobPath(stack, convergentRoot));
    expect(new Uint8Array(blob)).toEqual(convergentCiphertext);
    expect(blob.includes(file.bytes.subarray(1024, 2048))).toBe(false);
  });

  test("convergent: B (another profile and account) uploads nothing and proves ownership of the ciphertext", async () => {
    const blobsBefore = await blobNames(stack);
    await b.chooseFile(pageB, file.path, 60_000, { encryption: "convergent" });
    await b.requestQuote(pageB);
    await pageB.waitForSelector('[data-testid="quote-deduplicated"]');
    await b.pay(pageB);
    await pageB.waitForSelector('[data-testid="ownership-prove"]');
    await b.upload(pageB);
    const flow = await b.flowState(pageB);
    expect(flow.order!.upload).toMatchObject({ status: "done", mode: "ownershipProof" });
    expect(flow.order!.quote!.quote.client.toLowerCase()).toBe(B.toLowerCase());
    expect(await blobNames(stack)).toEqual(blobsBefore);
    const [recordA] = await recordsOf(a, pageA);
    const [recordB] = await recordsOf(b, pageB);
    expect(recordB!.fileRoot.toLowerCase()).toBe(convergentRoot.toLowerCase());
    expect(recordB!.encryption).toMatchObject({ mode: "convergent", key: recordA!.encryption!.key });
  });

  test("convergent: both clients download and decrypt the same bytes", async () => {
    const [recordA] = await recordsOf(a, pageA);
    const [recordB] = await recordsOf(b, pageB);
    for (const [pekanu, record] of [[a, recordA!], [b, recordB!]] as const) {
      const page = await downloadFromVault(pekanu, record.key);
      expect(await downloaded(pekanu, "holiday-photos.tar")).toEqual(file.bytes);
      await page.close();
    }
  });

  let privateRecord: Encrypted;
  test("private: the same file chosen twice gives two different roots; A stores the first", async () => {
    await a.newOrder(pageA);
    await a.chooseFile(pageA, file.path, 60_000, { encryption: "private" });
    const first = (await a.flowState(pageA)).order!.file.fileRoot;
    await a.requestQuote(pageA);
    expect(await pageA.$('[data-testid="quote-deduplicated"]')).toBeNull();
    await a.pay(pageA);
    await a.upload(pageA);
    privateRecord = (await recordsOf(a, pageA)).find((r) => r.fileRoot.toLowerCase() === first.toLowerCase())!;
    expect(privateRecord.encryption).toMatchObject({ mode: "private", plaintextSize: FILE_SIZE });
    await a.newOrder(pageA);
    await a.chooseFile(pageA, file.path, 60_000, { encryption: "private" });
    const second = (await a.flowState(pageA)).order!.file.fileRoot;
    expect(new Set([first.toLowerCase(), second.toLowerCase(), convergentRoot.toLowerCase()]).size).toBe(3);
    await a.newOrder(pageA); // the unpaid second draft goes
  });

  let shareLink: string;
  test("a share link of A's private file, opened in B's profile, downloads, checks and decrypts it; a damaged key saves nothing", async () => {
    const detail = await a.openApp(`#vault/${encodeURIComponent(privateRecord.key)}`);
    await detail.waitForSelector(`[data-testid="vault-detail"][data-key="${privateRecord.key}"]`, { timeout: 30_000 });
    expect(await a.text(detail, "share")).toContain("cannot be revoked");
    await a.click(detail, "share-create");
    await detail.waitForSelector('[data-testid="share-link"]', { timeout: 30_000 });
    shareLink = await detail.$eval('[data-testid="share-link"]', (el) => (el as HTMLInputElement).value);
    const url = new URL(shareLink);
    expect(url.hash).toContain(`k=${privateRecord.encryption!.key!.slice(2)}`);
    expect(url.search).not.toContain(privateRecord.encryption!.key!.slice(2));
    expect(url.pathname).toBe(`/v1/files/${privateRecord.fileRoot.toLowerCase()}`);
    await detail.close();

    // B's own download of the convergent file goes, so what lands now is the shared one only.
    await rm(path.join(downloads.get(b)!, "holiday-photos.tar"), { force: true });
    const share = await b.browser.newPage();
    await share.goto(`chrome-extension://${b.extensionId}/tabs/share.html`, { waitUntil: "load" });
    // A damaged key: refused (the file's header check), nothing saved.
    const damaged = shareLink.replace(/k=([0-9a-f])/, (_, c: string) => `k=${c === "0" ? "1" : "0"}`);
    await share.type('[data-testid="share-input"]', damaged);
    await b.click(share, "share-open");
    await share.waitForSelector('[data-testid="share-status"][data-state="bad"]', { timeout: 60_000 });
    expect(await b.text(share, "share-status")).toContain("wrong key");
    expect(await b.text(share, "share-status")).toContain("Nothing was saved");
    expect(await readdir(downloads.get(b)!)).toEqual([]);
    await share.reload({ waitUntil: "load" });
    await share.type('[data-testid="share-input"]', shareLink);
    await b.click(share, "share-open");
    await share.waitForSelector('[data-testid="share-status"][data-state="ok"]', { timeout: 60_000 });
    await b.shot(share, "02-shared-link-downloaded");
    expect(await downloaded(b, "holiday-photos.tar")).toEqual(file.bytes);
    expect(await readdir(downloads.get(b)!)).toEqual(["holiday-photos.tar"]); // the damaged link saved nothing
    // B never held this file: it came through A's grant.
    expect((await recordsOf(b, pageB)).some((r) => r.fileRoot.toLowerCase() === privateRecord.fileRoot.toLowerCase())).toBe(false);
  });

  test("the provider's log saw the downloads (the share grant included) and never a file key", async () => {
    if (!stack.logFile) return; // PEKANU_E2E_SERVER_LOG sends the log to the terminal instead
    const log = (await readFile(stack.logFile, "utf8")).toLowerCase();
    expect(log).toContain(`/v1/files/${privateRecord.fileRoot.toLowerCase()}?share=`);
    const [recordA] = await recordsOf(a, pageA);
    for (const key of [privateRecord.encryption!.key!, recordA!.encryption!.key!]) {
      expect(log).not.toContain(key.slice(2).toLowerCase());
      expect(log).not.toContain(Buffer.from(key.slice(2), "hex").toString("base64").toLowerCase());
    }
    expect(log).not.toContain(hex(file.bytes.subarray(0, 32)));
  });

  test("A's vault exported with a passphrase; imported in B's profile: a wrong passphrase imports nothing, the right one restores every key and σ", async () => {
    const vault = await a.openApp("#vault");
    await vault.waitForSelector('[data-testid="vault-export-section"]');
    await vault.$eval('[data-testid="vault-export-section"]', (el) => ((el as HTMLDetailsElement).open = true));
    await vault.type('[data-testid="vault-export-passphrase"]', PASSPHRASE);
    await vault.type('[data-testid="vault-export-confirm"]', PASSPHRASE);
    await a.shot(vault, "03-export-passphrase");
    await a.click(vault, "vault-export");
    await vault.waitForSelector('[data-testid="vault-export-done"][data-sealed="true"]', { timeout: 60_000 });
    // The page says "exported" when it hands the file to Chromium; the download lands a moment later.
    let exportName = "";
    await until("the protected export in the downloads", async () => {
      exportName = (await readdir(downloads.get(a)!)).find((n) => n.endsWith(".protected.json")) ?? "";
      return exportName !== "";
    }, 30_000);
    const sealed = (await downloaded(a, exportName)).toString("utf8");
    const recordsA = await recordsOf(a, pageA);
    expect(recordsA).toHaveLength(2);
    for (const record of recordsA) expect(sealed.toLowerCase()).not.toContain(record.encryption!.key!.slice(2));
    expect(JSON.parse(sealed)).toMatchObject({ format: "pekanu-vault-sealed", kdf: { name: "scrypt", N: 131072, r: 8, p: 1 } });

    const into = await b.openApp("#vault");
    const before = await recordsOf(b, into);
    await into.waitForSelector('[data-testid="vault-import-input"]');
    await b.setFile(into, "vault-import-input", path.join(downloads.get(a)!, exportName));
    await into.type('[data-testid="vault-import-passphrase"]', "wrong horse");
    await b.click(into, "vault-import-open");
    await into.waitForSelector('[data-testid="vault-import-problem"]', { timeout: 60_000 });
    expect(await b.text(into, "vault-import-problem")).toContain("Wrong passphrase");
    expect(await recordsOf(b, into)).toEqual(before);

    await into.$eval('[data-testid="vault-import-passphrase"]', (el) => ((el as HTMLInputElement).value = ""));
    await into.type('[data-testid="vault-import-passphrase"]', PASSPHRASE);
    await b.click(into, "vault-import-open");
    await into.waitForSelector('[data-testid="vault-import-report"]', { timeout: 60_000 });
    const report = await into.$eval('[data-testid="vault-import-report"]', (el) => ({ ...(el as HTMLElement).dataset }));
    expect(report).toMatchObject({ refused: "0" });
    expect(Number(report.added) + Number(report.merged)).toBe(2);
    const after = await recordsOf(b, into);
    for (const record of recordsA) {
      const restored = after.find((r) => r.key === record.key)!;
      expect(restored.encryption!.key).toBe(record.encryption!.key);
      expect(restored.signature).toBe(record.signature);
      expect(restored.verification.status).toMatch(/^verified/);
    }
  });
});
