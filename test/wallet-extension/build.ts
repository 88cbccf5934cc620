/**
 * Builds the test wallet extension (MV3) with esbuild.
 *
 *   node test/wallet-extension/build.ts [--out DIR] [--rpc-url URL] [--private-key 0x...]
 *
 * Default output: test/wallet-extension/dist. `--rpc-url`/`--private-key` (or
 * `defaults` when called from code) bake default options into the bundle;
 * tests can still change every option at run time (see test/support/browser.ts).
 * The manifest `key` fixes the extension id to WALLET_EXTENSION_ID.
 */
import { build } from "esbuild";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { extensionIdFromManifestKey } from "./extensionId.ts";
import type { WalletOptions } from "./src/options.ts";
import { WALLET_EXTENSION_ID, WALLET_MANIFEST_KEY } from "./walletId.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
export const WALLET_DIST_DIR = path.join(here, "dist");

export interface BuildWalletOptions {
  /** Output directory (emptied first). Default test/wallet-extension/dist. */
  outDir?: string;
  /** Default wallet options baked into the bundle (privateKey, rpcUrl, ...). */
  defaults?: Partial<WalletOptions>;
  /** Include inline source maps (default true: readable stack traces in tests). */
  sourcemap?: boolean;
}

export function walletManifest(): Record<string, unknown> {
  return {
    manifest_version: 3,
    name: "Pekanu Test Wallet",
    version: "1.0.0",
    description: "MetaMask stand-in for Pekanu browser tests. Holds a development key. Never use with real funds.",
    key: WALLET_MANIFEST_KEY,
    background: { service_worker: "background.js" },
    permissions: ["storage"],
    // The service worker calls the node's JSON-RPC endpoint directly.
    host_permissions: ["http://*/*", "https://*/*"],
    // No `externally_connectable`: without it every extension may connect
    // (chrome.runtime.connect(id)), and no web page can; MetaMask is the same.
  };
}

const CONTROL_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8" /><title>Pekanu Test Wallet</title></head>
  <body style="font: 13px monospace; margin: 12px">
    <h1 style="font-size: 16px">Pekanu Test Wallet</h1>
    <button id="refresh">refresh</button>
    <pre id="status">loading…</pre>
    <script src="control.js"></script>
  </body>
</html>
`;

/** Builds the wallet into outDir and returns outDir. */
export async function buildWallet(options: BuildWalletOptions = {}): Promise<string> {
  const outDir = path.resolve(options.outDir ?? WALLET_DIST_DIR);
  if (extensionIdFromManifestKey(WALLET_MANIFEST_KEY) !== WALLET_EXTENSION_ID) {
    throw new Error("walletId.ts: WALLET_EXTENSION_ID does not match WALLET_MANIFEST_KEY");
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: {
      background: path.join(here, "src/background.ts"),
      control: path.join(here, "src/control.ts"),
    },
    outdir: outDir,
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    inject: [path.join(here, "src/shims.ts")],
    // @metamask/eth-sig-util reaches micro-ftch (through @ethereumjs/util), whose Node-only fetch
    // requires Node modules lazily: left out, never called in the wallet (it only hashes typed data).
    plugins: [
      {
        name: "micro-ftch-node-only",
        setup(b) {
          b.onResolve({ filter: /^(http|https|zlib|util|url)$/ }, (args) => (/[\\/]micro-ftch[\\/]/.test(args.importer) ? { path: args.path, external: true } : undefined));
        },
      },
    ],
    define: {
      global: "globalThis",
      "process.env.NODE_ENV": '"production"',
      __WALLET_DEFAULTS__: JSON.stringify(options.defaults ?? {}),
    },
    sourcemap: options.sourcemap === false ? false : "inline",
    logLevel: "warning",
  });
  await writeFile(path.join(outDir, "manifest.json"), `${JSON.stringify(walletManifest(), null, 2)}\n`);
  await writeFile(path.join(outDir, "control.html"), CONTROL_HTML);
  return outDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      "rpc-url": { type: "string" },
      "private-key": { type: "string" },
    },
  });
  const defaults: Partial<WalletOptions> = {};
  if (values["rpc-url"]) defaults.rpcUrl = values["rpc-url"];
  if (values["private-key"]) defaults.privateKey = values["private-key"];
  const outDir = await buildWallet({ outDir: values.out, defaults });
  console.log(`test wallet ${WALLET_EXTENSION_ID} built in ${outDir}`);
}
