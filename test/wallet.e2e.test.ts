/**
 * End-to-end check of the TEST WALLET extension (test/wallet-extension): a
 * throwaway consumer extension connects with @metamask/providers'
 * createExternalExtensionProvider(WALLET_EXTENSION_ID), exactly as the Pekanu
 * extension connects to MetaMask, inside Debian Chromium (new headless)
 * against a fresh `hardhat node`.
 *
 *   npx vitest run --config test/vitest.e2e.config.ts test/wallet.e2e.test.ts
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "puppeteer-core";
import { createPublicClient, getAddress, http, parseEther, toHex, verifyMessage, verifyTypedData, type Hex, type PublicClient } from "viem";
import { createSignInMessage } from "../extension/src/lib/signInMessage.ts";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CHROMIUM_PATH,
  findExtensionId,
  getServiceWorker,
  getWalletLog,
  isServiceWorkerRunning,
  launchBrowser,
  openExtensionPage,
  resetWallet,
  screenshot,
  screenshotWallet,
  setWalletOptions,
  stopServiceWorker,
  walletSentTransactions,
  type BrowserSession,
} from "./support/browser.ts";
import { startHardhatNode, type HardhatNode } from "./support/browserChain.ts";
import { buildConsumerExtension, consumerEvents, consumerReady, consumerRpc } from "./support/browserConsumer.ts";
import { buildWallet } from "./wallet-extension/build.ts";
import { HARDHAT_ACCOUNT_2_ADDRESS, HARDHAT_ACCOUNT_2_KEY } from "./wallet-extension/src/options.ts";
import { WALLET_EXTENSION_ID } from "./wallet-extension/walletId.ts";

const SUITE = "wallet.e2e";
const DEV = HARDHAT_ACCOUNT_2_ADDRESS.toLowerCase() as Hex;
/** Hardhat account #3 (a second "client"). */
const OTHER_KEY: Hex = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
/** Hardhat account #5: receives the test payments. */
const RECEIVER: Hex = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

let node: HardhatNode;
let session: BrowserSession;
let client: PublicClient;
let consumerId: string;
let page: Page;
const tempDirs: string[] = [];

async function openConsumer(): Promise<Page> {
  const consumer = await openExtensionPage(session.browser, consumerId, "consumer.html");
  await consumerReady(consumer);
  return consumer;
}

async function waitFor<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const typedData = (chainId: number) => ({
  types: {
    EIP712Domain: [
      { name: "name", type: "string" },
      { name: "version", type: "string" },
      { name: "chainId", type: "uint256" },
      { name: "verifyingContract", type: "address" },
    ],
    Receipt: [
      { name: "provider", type: "address" },
      { name: "amount", type: "uint256" },
      { name: "chunkRoots", type: "bytes32[]" },
      { name: "memo", type: "string" },
    ],
  },
  primaryType: "Receipt",
  domain: { name: "Pekanu", version: "1", chainId, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Hex },
  message: {
    provider: RECEIVER,
    amount: "1000000000000000000",
    chunkRoots: [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`],
    memo: "test receipt",
  },
});

describe.skipIf(!existsSync(CHROMIUM_PATH))("test wallet extension via createExternalExtensionProvider", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    node = await startHardhatNode();
    client = createPublicClient({ transport: http(node.url) });
    const walletDir = await buildWallet({
      outDir: path.join(os.tmpdir(), `pekanu-wallet-${process.pid}-${Date.now()}`),
      defaults: { rpcUrl: node.url },
    });
    const consumerDir = await buildConsumerExtension(WALLET_EXTENSION_ID);
    tempDirs.push(walletDir, consumerDir);
    session = await launchBrowser({ extensions: [walletDir, consumerDir] });
    consumerId = session.extensionIds[1]!;
    page = await openConsumer();
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await node?.stop();
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }, 60_000);

  test("installs with the fixed extension id and runs its service worker", async () => {
    expect(session.extensionIds[0]).toBe(WALLET_EXTENSION_ID);
    expect(await findExtensionId(session.browser, "Pekanu Test Wallet")).toBe(WALLET_EXTENSION_ID);
    const worker = await getServiceWorker(session.browser, WALLET_EXTENSION_ID);
    expect(worker.url()).toBe(`chrome-extension://${WALLET_EXTENSION_ID}/background.js`);
  });

  test("answers the provider's initial state, eth_chainId and net_version", async () => {
    expect(await consumerRpc(page, "eth_chainId")).toEqual({ ok: true, result: "0x7a69" });
    expect(await consumerRpc(page, "net_version")).toEqual({ ok: true, result: "31337" });
    const state = await page.evaluate(() => (window as unknown as { providerState(): unknown }).providerState());
    expect(state).toEqual({ chainId: "0x7a69", selectedAddress: null, isConnected: true });
    // reads are forwarded to the node
    expect(await consumerRpc(page, "eth_getBalance", [DEV, "latest"])).toEqual({
      ok: true,
      result: toHex(await client.getBalance({ address: DEV })),
    });
  });

  test("refuses to sign for an origin that has not connected (4100)", async () => {
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [] });
    const refused = await consumerRpc(page, "personal_sign", [toHex("hello"), DEV]);
    expect(refused.error?.code).toBe(4100);
  });

  test("eth_requestAccounts returns the development address", async () => {
    expect(await consumerRpc(page, "eth_requestAccounts")).toEqual({ ok: true, result: [DEV] });
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [DEV] });
    expect(await consumerEvents(page)).toContainEqual({ type: "accountsChanged", data: [DEV] });
    await screenshot(page, SUITE, "01-connected");
  });

  test("personal_sign signature recovers to the development address", async () => {
    const message = "Pekanu: sign in to provider 0x9965 at 2026-01-01";
    const signed = await consumerRpc<Hex>(page, "personal_sign", [toHex(message), DEV]);
    expect(signed.ok).toBe(true);
    expect(await verifyMessage({ address: DEV, message, signature: signed.result! })).toBe(true);
    // plain (non-hex) strings are signed as UTF-8, like MetaMask
    const plain = await consumerRpc<Hex>(page, "personal_sign", [message, DEV]);
    expect(plain.result).toBe(signed.result);
  });

  test("a sign-in MetaMask would flag is refused: the domain must be the requesting extension's id", async () => {
    const signIn = (domain: string) =>
      createSignInMessage({
        domain,
        address: getAddress(DEV),
        statement: "Sign in to this Pekanu storage provider.",
        uri: "http://127.0.0.1:8788",
        chainId: 31337,
        nonce: "abcdefgh12345678",
        issuedAt: new Date(),
        expirationTime: new Date(Date.now() + 600_000),
      });
    // The provider's host as domain, from an extension: MetaMask's isValidSIWEOrigin fails.
    const flagged = await consumerRpc(page, "personal_sign", [toHex(signIn("127.0.0.1:8788")), DEV]);
    expect(flagged.ok).toBe(false);
    expect(flagged.error?.code).toBe(-32600);
    expect(flagged.error?.message).toMatch(/Refused as MetaMask would flag it: sign-in request for domain "127.0.0.1:8788" comes from chrome-extension:\/\//);
    // The requesting extension's own id as domain passes, and the signature is the account's.
    const message = signIn(consumerId);
    const signed = await consumerRpc<Hex>(page, "personal_sign", [toHex(message), DEV]);
    expect(signed.ok).toBe(true);
    expect(await verifyMessage({ address: DEV, message, signature: signed.result! })).toBe(true);
  });

  test("eth_signTypedData_v4 signature recovers to the development address", async () => {
    const data = typedData(31337);
    const signed = await consumerRpc<Hex>(page, "eth_signTypedData_v4", [DEV, JSON.stringify(data)]);
    expect(signed.ok).toBe(true);
    const valid = await verifyTypedData({
      address: DEV,
      domain: { ...data.domain, chainId: 31337 },
      types: { Receipt: data.types.Receipt },
      primaryType: "Receipt",
      message: { ...data.message, amount: 10n ** 18n } as never,
      signature: signed.result!,
    });
    expect(valid).toBe(true);
    // like MetaMask, a domain for another chain is refused
    const wrongChain = await consumerRpc(page, "eth_signTypedData_v4", [DEV, JSON.stringify(typedData(1))]);
    expect(wrongChain.error?.code).toBe(-32602);
  });

  test("eth_sendTransaction signs, fills nonce/gas/fees and transfers ETH on the node", async () => {
    const before = await client.getBalance({ address: RECEIVER });
    const value = parseEther("0.5");
    const sent = await consumerRpc<Hex>(page, "eth_sendTransaction", [{ from: DEV, to: RECEIVER, value: toHex(value) }]);
    expect(sent.ok).toBe(true);
    const receipt = await client.waitForTransactionReceipt({ hash: sent.result! });
    expect(receipt.status).toBe("success");
    expect(receipt.from).toBe(DEV);
    expect(await client.getBalance({ address: RECEIVER })).toBe(before + value);
    const sends = await walletSentTransactions(session.browser);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.result).toBe(sent.result);
    expect(sends[0]!.origin).toBe(`chrome-extension://${consumerId}`);
    await screenshotWallet(session.browser, SUITE, "02-wallet-after-payment");
  });

  test("with rejection switched on, requests fail with 4001 and nothing is sent", async () => {
    await setWalletOptions(session.browser, { reject: true });
    const nonce = await client.getTransactionCount({ address: DEV });
    const refused = await consumerRpc(page, "eth_sendTransaction", [{ from: DEV, to: RECEIVER, value: "0x1" }]);
    expect(refused).toMatchObject({ ok: false, error: { code: 4001, message: "User rejected the request." } });
    expect((await consumerRpc(page, "personal_sign", [toHex("x"), DEV])).error?.code).toBe(4001);
    expect(await client.getTransactionCount({ address: DEV })).toBe(nonce);
    expect(await walletSentTransactions(session.browser)).toHaveLength(1);
    const log = await getWalletLog(session.browser);
    expect(log.filter((entry) => entry.status === "rejected").map((entry) => entry.method)).toEqual([
      "eth_sendTransaction",
      "personal_sign",
    ]);

    // reject only some methods
    await setWalletOptions(session.browser, { reject: ["eth_sendTransaction"] });
    expect((await consumerRpc(page, "personal_sign", [toHex("x"), DEV])).ok).toBe(true);
    expect((await consumerRpc(page, "eth_sendTransaction", [{ from: DEV, to: RECEIVER }])).error?.code).toBe(4001);
    await setWalletOptions(session.browser, { reject: false });
    await screenshotWallet(session.browser, SUITE, "03-wallet-after-rejections");
  });

  test("another private key simulates another client and emits accountsChanged", async () => {
    const other = privateKeyToAccount(OTHER_KEY).address.toLowerCase() as Hex;
    await setWalletOptions(session.browser, { privateKey: OTHER_KEY });
    await waitFor(
      async () => (await consumerEvents(page)).some((event) => JSON.stringify(event) === JSON.stringify({ type: "accountsChanged", data: [other] })),
      "accountsChanged to the other account",
    );
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [other] });
    const signed = await consumerRpc<Hex>(page, "personal_sign", [toHex("other"), other]);
    expect(await verifyMessage({ address: other, message: "other", signature: signed.result! })).toBe(true);
    // the old account is no longer offered
    expect((await consumerRpc(page, "personal_sign", [toHex("other"), DEV])).error?.code).toBe(4100);
    await setWalletOptions(session.browser, { privateKey: HARDHAT_ACCOUNT_2_KEY });
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [DEV] });
  });

  test("wallet_switchEthereumChain: current chain ok, unknown chain 4902", async () => {
    expect(await consumerRpc(page, "wallet_switchEthereumChain", [{ chainId: "0x7a69" }])).toEqual({ ok: true, result: null });
    expect((await consumerRpc(page, "wallet_switchEthereumChain", [{ chainId: "0x1" }])).error?.code).toBe(4902);
  });

  test("service worker stopped mid-flow: the connection drops, nothing is sent, a new connection works", async () => {
    await setWalletOptions(session.browser, { approvalDelayMs: 2_000 });
    const nonce = await client.getTransactionCount({ address: DEV });
    await page.evaluate((from, to) => {
      const w = window as unknown as { pending: unknown; rpc(m: string, p: unknown): Promise<unknown> };
      w.pending = w.rpc("eth_sendTransaction", [{ from, to, value: "0x2" }]);
    }, DEV, RECEIVER);
    await waitFor(
      async () => (await getWalletLog(session.browser)).some((e) => e.method === "eth_sendTransaction" && e.status === "pending"),
      "the pending eth_sendTransaction",
    );
    await stopServiceWorker(session.browser, WALLET_EXTENSION_ID);
    expect(isServiceWorkerRunning(session.browser, WALLET_EXTENSION_ID)).toBe(false);
    await waitFor(async () => (await consumerEvents(page)).some((event) => event.type === "disconnect"), "disconnect");
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the approval delay
    expect(await client.getTransactionCount({ address: DEV })).toBe(nonce);

    await setWalletOptions(session.browser, { approvalDelayMs: 0 }); // wakes the worker
    const log = await getWalletLog(session.browser);
    expect(log.filter((e) => e.method === "eth_sendTransaction" && e.status === "pending")).toHaveLength(1);
    expect(await walletSentTransactions(session.browser)).toHaveLength(1);

    await page.close();
    page = await openConsumer(); // a connect starts the worker again if needed
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [DEV] }); // permission persisted
    const sent = await consumerRpc<Hex>(page, "eth_sendTransaction", [{ from: DEV, to: RECEIVER, value: "0x3" }]);
    expect(sent.ok).toBe(true);
    expect((await client.waitForTransactionReceipt({ hash: sent.result! })).status).toBe("success");
    expect(await walletSentTransactions(session.browser)).toHaveLength(2);
    await screenshot(page, SUITE, "04-reconnected");
  });

  test("locked wallet: accounts hidden, approvals wait for unlock (metamask_unlockStateChanged)", async () => {
    await setWalletOptions(session.browser, { locked: true });
    await waitFor(
      async () => (await consumerEvents(page)).some((event) => JSON.stringify(event) === JSON.stringify({ type: "accountsChanged", data: [] })),
      "accountsChanged [] on lock",
    );
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [] });
    await page.evaluate((from) => {
      const w = window as unknown as { whileLocked: unknown; rpc(m: string, p: unknown): Promise<unknown> };
      w.whileLocked = w.rpc("personal_sign", ["0x6c6f636b6564", from]);
    }, DEV);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await setWalletOptions(session.browser, { locked: false });
    const signed = (await page.evaluate(() => (window as unknown as { whileLocked: Promise<unknown> }).whileLocked)) as {
      ok: boolean;
      result: Hex;
    };
    expect(await verifyMessage({ address: DEV, message: "locked", signature: signed.result })).toBe(true);
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [DEV] });
  });

  test("wallet_addEthereumChain adds and switches to another node (metamask_chainChanged)", async () => {
    const other = await startHardhatNode({ chainId: 1337 });
    try {
      const added = await consumerRpc(page, "wallet_addEthereumChain", [
        { chainId: "0x539", chainName: "Other", rpcUrls: [other.url], nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 } },
      ]);
      expect(added).toEqual({ ok: true, result: null });
      await waitFor(
        async () => (await consumerEvents(page)).some((event) => event.type === "chainChanged" && event.data === "0x539"),
        "chainChanged 0x539",
      );
      expect(await consumerRpc(page, "eth_chainId")).toEqual({ ok: true, result: "0x539" });
      expect(await consumerRpc(page, "wallet_switchEthereumChain", [{ chainId: "0x7a69" }])).toMatchObject({
        ok: false,
        error: { code: 4902 },
      });
      await setWalletOptions(session.browser, { rpcUrl: node.url });
      await waitFor(
        async () => (await consumerEvents(page)).some((event) => event.type === "chainChanged" && event.data === "0x7a69"),
        "chainChanged back to 0x7a69",
      );
      expect(await consumerRpc(page, "wallet_switchEthereumChain", [{ chainId: "0x539" }])).toEqual({ ok: true, result: null });
      expect(await consumerRpc(page, "eth_chainId")).toEqual({ ok: true, result: "0x539" });
      await setWalletOptions(session.browser, { rpcUrl: node.url });
    } finally {
      await other.stop();
    }
  });

  test("reset forgets connected origins", async () => {
    await resetWallet(session.browser);
    await waitFor(
      async () => (await consumerEvents(page)).some((event) => JSON.stringify(event) === JSON.stringify({ type: "accountsChanged", data: [] })),
      "accountsChanged []",
    );
    expect(await consumerRpc(page, "eth_accounts")).toEqual({ ok: true, result: [] });
  });
});
