// Runs the provider server as a CHILD PROCESS (`node provider-server/src/main.ts`, configured by
// PEKANU_* environment variables), so a test can crash it for real with SIGKILL and start another
// on the same data dir, or read its memory from /proc/<pid>/status.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hex } from "viem";
import { testKey } from "./accounts.ts";
import { freePort } from "./freePort.ts";
import { backendEnv } from "./stateBackend.ts";

const mainPath = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

export type ProviderProcess = {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  port: number;
  dataDir: string;
  contract: Hex;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string | null>;
  /** SIGKILL (a crash: no handler runs) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful) and wait for the exit; SIGKILL after `timeoutMs`. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** The last few KB of the server's stdout and stderr (JSON log lines). */
  output(): string;
};

/**
 * Starts the server in a child process on `port` (a free one by default) with `dataDir` (a new
 * temp dir by default) and waits until /healthz answers. Owner = account 0, signer = account 9,
 * 100 ETH stake, 100 ms polling, no sign-in limit unless `env` says otherwise.
 */
export async function startProviderProcess({
  rpcUrl,
  dataDir,
  port,
  env = {},
  timeoutMs = 60_000,
}: {
  rpcUrl: string;
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ProviderProcess> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "pekanu-provider-")));
  const listenPort = port ?? (await freePort());
  const backend = await backendEnv(dir, env);
  const child = spawn(process.execPath, [mainPath], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PEKANU_DATA_DIR: dir,
      PEKANU_PORT: String(listenPort),
      PEKANU_HOST: "127.0.0.1",
      PEKANU_RPC_URL: rpcUrl,
      PEKANU_OWNER_KEY: testKey(0),
      PEKANU_SIGNER_KEY: testKey(9),
      PEKANU_STAKE: "100",
      PEKANU_POLL_INTERVAL_MS: "100",
      PEKANU_AUTH_BURST: "1000000",
      PEKANU_LOG_LEVEL: process.env.PEKANU_TEST_LOG ?? "info",
      ...backend,
      ...env,
    },
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-16_000);
    if (process.env.PEKANU_TEST_LOG) process.stderr.write(chunk);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  let exitedAlready = false;
  void exited.then(() => (exitedAlready = true));

  const baseUrl = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitedAlready) throw new Error(`provider process exited before it was ready:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`provider process not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = (await (await fetch(`${baseUrl}/v1/info`)).json()) as { contract: { address: Hex } };

  return {
    child,
    pid: child.pid!,
    baseUrl,
    port: listenPort,
    dataDir: dir,
    contract: info.contract.address,
    exited,
    async kill() {
      if (!exitedAlready) child.kill("SIGKILL");
      await exited;
    },
    async stop({ timeoutMs: stopTimeout = 30_000 } = {}) {
      if (exitedAlready) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeout);
      await exited;
      clearTimeout(timer);
    },
    output: () => output,
  };
}
