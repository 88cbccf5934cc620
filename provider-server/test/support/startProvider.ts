import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DestinationStream } from "pino";
import type { Hex } from "viem";
import { createProviderServer, type ProviderServer } from "../../src/app.ts";
import type { ProviderConfigInput } from "../../src/config.ts";
import { createLogger } from "../../src/createLogger.ts";
import { testKey } from "./accounts.ts";
import { freePort } from "./freePort.ts";
import { backendConfig } from "./stateBackend.ts";

export type TestProvider = {
  server: ProviderServer;
  baseUrl: string;
  dataDir: string;
  contract: Hex;
  stop(options?: { keepData?: boolean }): Promise<void>;
};

/**
 * Runs a provider server in-process on a free port with its own temp data dir (deploying its own
 * contract on the given chain). Owner = account 0, signer = account 9 unless overridden. Sign-in
 * is not rate limited and earnings are not collected unless `config` says otherwise.
 */
export async function startProvider({
  rpcUrl,
  dataDir,
  config = {},
  log,
}: {
  rpcUrl: string;
  dataDir?: string;
  config?: Partial<ProviderConfigInput>;
  /** Capture the server's log lines (at `log.level`) instead of the default (silent unless PEKANU_TEST_LOG). */
  log?: { level: string; destination: DestinationStream };
}): Promise<TestProvider> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "pekanu-provider-")));
  const port = config.port ?? (await freePort());
  const server = await createProviderServer({
    config: {
      dataDir: dir,
      rpcUrl,
      port,
      ownerKey: testKey(0),
      signerKey: testKey(9),
      stakeWei: 100n * 10n ** 18n,
      pollIntervalMs: 100,
      // Tests sign in far more often than a person: no sign-in limit unless a test sets one.
      authBurst: 1_000_000,
      // Earnings are collected only by tests that ask for it (it sends owner transactions).
      collectIntervalMs: 0,
      logLevel: process.env.PEKANU_TEST_LOG ?? "silent",
      // This run's state and blob backends (the embedded default unless the scale project says otherwise).
      ...(await backendConfig(dir, config)),
      ...config,
    },
    logger: log ? createLogger(log) : createLogger({ level: process.env.PEKANU_TEST_LOG ?? "silent" }),
    maxConnectAttempts: 1,
  });
  const baseUrl = await server.start();
  return {
    server,
    baseUrl,
    dataDir: dir,
    contract: server.context.deployment.address,
    async stop({ keepData = false } = {}) {
      await server.stop();
      if (!keepData) await rm(dir, { recursive: true, force: true });
    },
  };
}
