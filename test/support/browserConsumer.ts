/**
 * A throwaway extension that talks to a wallet exactly as the Pekanu extension
 * does: `createExternalExtensionProvider(walletId)` from @metamask/providers
 * (CJS build), bundled with esbuild. Its page (consumer.html) exposes on window:
 *
 *   rpc(method, params) → { ok: true, result } | { ok: false, error: { code, message, data } }
 *   ready               → resolves once the provider got its initial state
 *   events              → [{ type: "connect"|"disconnect"|"chainChanged"|"accountsChanged", data }]
 *   providerState()     → { chainId, selectedAddress, isConnected }
 */
import { build } from "esbuild";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "puppeteer-core";
import { REPO_ROOT } from "./browser.ts";

export const CONSUMER_NAME = "Pekanu Wallet Consumer (test)";

export interface RpcOutcome<T = unknown> {
  ok: boolean;
  result?: T;
  error?: { code: number; message: string; data?: unknown };
}

const PAGE_SCRIPT = (walletId: string) => `
const { createExternalExtensionProvider } = require("@metamask/providers");
const provider = createExternalExtensionProvider(${JSON.stringify(walletId)});
const events = [];
for (const type of ["connect", "disconnect", "chainChanged", "accountsChanged"]) {
  provider.on(type, (data) => events.push({ type, data: JSON.parse(JSON.stringify(data ?? null)) }));
}
window.provider = provider;
window.events = events;
window.ready = new Promise((resolve) => {
  if (provider._state.initialized) resolve(true);
  else provider.once("_initialized", () => resolve(true));
});
window.providerState = () => ({
  chainId: provider.chainId,
  selectedAddress: provider.selectedAddress,
  isConnected: provider.isConnected(),
});
window.rpc = async (method, params) => {
  try {
    return { ok: true, result: await provider.request(params === undefined ? { method } : { method, params }) };
  } catch (error) {
    return { ok: false, error: { code: error.code, message: error.message, data: error.data } };
  }
};
document.getElementById("status").textContent = "wallet " + ${JSON.stringify(walletId)};
`;

/** Writes the consumer extension into a new temp directory (or `dir`) and returns it. */
export async function buildConsumerExtension(walletId: string, dir?: string): Promise<string> {
  const outDir = dir ?? (await mkdtemp(path.join(os.tmpdir(), "pekanu-consumer-")));
  await mkdir(outDir, { recursive: true });
  await build({
    stdin: { contents: PAGE_SCRIPT(walletId), resolveDir: REPO_ROOT, sourcefile: "consumer.js", loader: "js" },
    outfile: path.join(outDir, "consumer.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    inject: [path.join(REPO_ROOT, "test/wallet-extension/src/shims.ts")],
    define: { global: "globalThis", "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  await writeFile(
    path.join(outDir, "manifest.json"),
    JSON.stringify({ manifest_version: 3, name: CONSUMER_NAME, version: "1.0.0" }, null, 2),
  );
  await writeFile(
    path.join(outDir, "consumer.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title></head>
<body style="font: 13px monospace"><pre id="status">loading…</pre><script src="consumer.js"></script></body></html>\n`,
  );
  return outDir;
}

/** Calls the wallet through the consumer page's provider. */
export function consumerRpc<T = unknown>(page: Page, method: string, params?: unknown): Promise<RpcOutcome<T>> {
  return page.evaluate(
    (m, p) => (window as unknown as { rpc(m: string, p: unknown): Promise<unknown> }).rpc(m, p),
    method,
    params as never,
  ) as Promise<RpcOutcome<T>>;
}

/** Waits until the consumer page's provider is initialized (got metamask_getProviderState). */
export async function consumerReady(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { ready: Promise<unknown> }).ready);
}

export function consumerEvents(page: Page): Promise<{ type: string; data: unknown }[]> {
  return page.evaluate(() => (window as unknown as { events: { type: string; data: unknown }[] }).events);
}
