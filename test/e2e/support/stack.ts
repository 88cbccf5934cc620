/**
 * The local stack behind the end-to-end tests, started once per vitest run and shared by every
 * test file of the e2e project:
 *   • the Pekanu extension, built with plasmo into extension/build/chrome-mv3-e2e (test wallet id
 *     baked in, host permission for http://127.0.0.1/* granted at install);
 *   • the test wallet, built into a temp dir with the chain's RPC URL as default;
 *   • a local EVM (scripts/lib/devChain.ts: Hardhat's EDR over HTTP, automine + interval mining,
 *     evm_increaseTime / evm_mine) on a free port;
 *   • the provider server, in-process (createProviderServer), deploying its ServerContract with the
 *     local short windows (localDevParams) into a temp data dir.
 *
 * globalSetup.ts runs a tiny control server in vitest's main process; a test file asks it for the
 * stack with `useStack()` (the first request starts it, the run's teardown stops it). Without the
 * global setup (another vitest config) `useStack()` starts a stack in the test file's own worker.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type Hex, bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { REPO_ROOT } from "../../support/browser.ts";
import { WALLET_EXTENSION_ID } from "../../wallet-extension/walletId.ts";
import { freePort } from "../../../provider-server/test/support/freePort.ts";

export type StackInfo = {
  rpcUrl: string;
  chainId: number;
  providerUrl: string;
  /** The provider server's data dir (blobs/<fileRoot>, provider.sqlite). */
  dataDir: string;
  contract: Hex;
  /** The provider's ComputeContract (compute jobs on, deployed by the server). */
  computeContract: Hex;
  /** Unpacked extension directories. */
  extensionDir: string;
  walletDir: string;
  /**
   * The provider's log (info level, JSON lines) when PEKANU_E2E_SERVER_LOG is not set: what an
   * operator would keep (encryption.e2e checks no file key ever reaches it).
   */
  logFile: string | null;
  /** Seconds spent starting the stack (build included). */
  startSeconds: number;
};

export type RunningStack = { info: StackInfo; stop(): Promise<void> };

/** Hardhat's public development mnemonic: every account holds 10,000 ETH on the local chain. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Private key of development account `index` (0 owner, 1 signer; tests use 2–19). */
export function devKey(index: number): Hex {
  return bytesToHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
}

/** Who uses which development account, so test files never share a client on the shared chain. */
export const ACCOUNTS = {
  owner: 0,
  signer: 1,
  flowClient: 2,
  resilienceClient: 3,
  dedupFirst: 4,
  dedupSecond: 5,
  penaltyClient: 6,
  productClient: 7,
  watchClient: 8,
  watchDeadlinesClient: 9,
  encryptionFirst: 14,
  encryptionSecond: 15,
  /** compute.e2e runs its own provider (compute on, then restarted with --test-flip-result). */
  computeOwner: 16,
  computeSigner: 17,
  computeClient: 18,
  /** Sends small amounts to fresh keys (never the owner: the server sends owner transactions). */
  funder: 19,
} as const;

export const E2E_EXTENSION_DIR = path.join(REPO_ROOT, "extension/build/chrome-mv3-e2e");


/**
 * plasmo build --tag=e2e → extension/build/chrome-mv3-e2e (the user's chrome-mv3-prod is untouched).
 * Plasmo keeps its generated entry files in extension/.plasmo whatever the tag: a concurrent build
 * with other environment variables (e.g. `npm start`'s) could leak into this one, so the result is
 * checked for the test host permission.
 */
export async function buildExtension(): Promise<string> {
  // PEKANU_E2E_SKIP_BUILD=1 reuses the last e2e build (`npx plasmo build --tag=e2e` with the
  // variables below): several runs against one build while the sources change meanwhile.
  const output = process.env.PEKANU_E2E_SKIP_BUILD ? "(build skipped: PEKANU_E2E_SKIP_BUILD)" : await runPlasmoBuild();
  return checkBuild(output);
}

async function runPlasmoBuild(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn("npx", ["plasmo", "build", "--tag=e2e"], {
      cwd: path.join(REPO_ROOT, "extension"),
      env: {
        ...process.env,
        PLASMO_PUBLIC_WALLET_EXTENSION_ID: WALLET_EXTENSION_ID,
        PLASMO_PUBLIC_TEST_HOST_PERMISSION: "http://127.0.0.1/*",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(log) : reject(new Error(`plasmo build failed (${code}):\n${log.slice(-4000)}`))));
  });
}

async function checkBuild(output: string): Promise<string> {
  const manifest = path.join(E2E_EXTENSION_DIR, "manifest.json");
  const parsed = JSON.parse(await readFile(manifest, "utf8")) as { host_permissions?: string[] };
  if (!parsed.host_permissions?.includes("http://127.0.0.1/*")) {
    throw new Error(`the e2e build has no test host permission (manifest ${manifest}):\n${output.slice(-2000)}`);
  }
  const background = await readFile(path.join(E2E_EXTENSION_DIR, "static/background/index.js"), "utf8");
  if (!background.includes(WALLET_EXTENSION_ID)) throw new Error("the e2e build does not default to the test wallet's extension id");
  return E2E_EXTENSION_DIR;
}

/** Starts chain + provider server and builds both extensions. */
export async function startStack({ log = (_line: string) => undefined }: { log?: (line: string) => void } = {}): Promise<RunningStack> {
  const started = performance.now();
  const home = await mkdtemp(path.join(os.tmpdir(), "pekanu-e2e-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(home, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    // The build runs while the chain and the server start.
    const extensionBuild = buildExtension();
    extensionBuild.catch(() => undefined);

    const { startDevChain } = await import("../../../scripts/lib/devChain.ts");
    const chain = await startDevChain({
      port: await freePort(),
      journalPath: path.join(home, "chain/journal.jsonl"),
      blockIntervalMs: 1000,
      log,
    });
    cleanups.push(() => chain.close());
    log(`chain at ${chain.rpcUrl}`);

    const { buildWallet } = await import("../../wallet-extension/build.ts");
    const walletDir = await buildWallet({ outDir: path.join(home, "wallet"), defaults: { rpcUrl: chain.rpcUrl } });

    const { createProviderServer } = await import("../../../provider-server/src/app.ts");
    const { createLogger } = await import("../../../provider-server/src/createLogger.ts");
    const dataDir = path.join(home, "provider");
    const level = process.env.PEKANU_E2E_SERVER_LOG ?? "info";
    const logFile = process.env.PEKANU_E2E_SERVER_LOG ? null : path.join(home, "provider.log");
    const { pino } = await import("pino");
    const server = await createProviderServer({
      config: {
        dataDir,
        host: "127.0.0.1",
        port: await freePort(),
        rpcUrl: chain.rpcUrl,
        ownerKey: devKey(ACCOUNTS.owner),
        signerKey: devKey(ACCOUNTS.signer),
        stakeWei: 100n * 10n ** 18n,
        paramsProfile: "local",
        pollIntervalMs: 250,
        // Every test signs in from 127.0.0.1, more often than a person would.
        authBurst: 1_000_000,
        // No automatic settle/release: the penalty test asserts the exact unsettled amount.
        collectIntervalMs: 0,
        // Open registration asks for 1 wei, not "auto" (the lowest price plus a payment's gas): the
        // resilience test registers an account too poor to pay, to see the shortfall in the UI.
        // The min-balance policy itself is tested by the provider server's hardening tests.
        registrationMinBalance: 1n,
        // Compute jobs: the server deploys and stakes a ComputeContract (local windows) on start.
        compute: { contract: "deploy", stakeWei: 100n * 10n ** 18n, deliverSeconds: 600 },
        logLevel: level,
      },
      logger: createLogger({ level, ...(logFile ? { destination: pino.destination({ dest: logFile, sync: false }) } : {}) }),
      maxConnectAttempts: 3,
    });
    const providerUrl = await server.start();
    cleanups.push(() => server.stop());
    log(`provider at ${providerUrl}, contract ${server.context.deployment.address}`);

    const extensionDir = await extensionBuild;
    return {
      info: {
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        providerUrl,
        dataDir,
        contract: server.context.deployment.address,
        computeContract: server.context.compute!.address,
        extensionDir,
        walletDir,
        logFile,
        startSeconds: Math.round((performance.now() - started) / 100) / 10,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Files the provider holds (content-addressed blobs). */
export async function blobNames(info: StackInfo): Promise<string[]> {
  return (await readdir(path.join(info.dataDir, "blobs"))).sort();
}

export function blobPath(info: StackInfo, fileRoot: string): string {
  return path.join(info.dataDir, "blobs", fileRoot.toLowerCase());
}

// ───────────────────────── shared across test files (globalSetup) ─────────────────────────

export const CONTROL_KEY = "pekanuE2eControl";

declare module "vitest" {
  interface ProvidedContext {
    pekanuE2eControl: string;
  }
}

let local: Promise<RunningStack> | null = null;

/**
 * The stack for this run: from the global setup's control server when there is one (one stack for
 * every file), else started in this worker (call `releaseStack()` in afterAll then).
 */
export async function useStack(): Promise<StackInfo> {
  const { inject } = await import("vitest");
  let control: string | undefined;
  try {
    control = inject(CONTROL_KEY);
  } catch {
    control = undefined;
  }
  if (control) {
    const response = await fetch(`${control}/stack`, { method: "POST" });
    const body = (await response.json()) as { info?: StackInfo; error?: string };
    if (!response.ok || !body.info) throw new Error(`the e2e stack did not start: ${body.error ?? response.status}`);
    return body.info;
  }
  local ??= startStack();
  return (await local).info;
}

/** Stops a stack this worker started itself (no-op with the global setup, whose teardown stops it). */
export async function releaseStack(): Promise<void> {
  const running = local;
  local = null;
  if (running) await (await running.catch(() => null))?.stop();
}
