/**
 * A throwaway `hardhat node` (Hardhat 3, default funded accounts) for browser
 * end-to-end tests, on a free port.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "./browser.ts";
import { freePort } from "../../provider-server/test/support/freePort.ts";

export { freePort };

export interface HardhatNode {
  url: string;
  port: number;
  process: ChildProcess;
  /** Output so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}


async function rpcReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return typeof ((await response.json()) as { result?: unknown }).result === "string";
  } catch {
    return false;
  }
}

/** Runs `hardhat node --hostname 127.0.0.1 --port <free port> [--chain-id N]` from the repository root. */
export async function startHardhatNode(
  options: { port?: number; chainId?: number; timeoutMs?: number } = {},
): Promise<HardhatNode> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const cli = path.join(REPO_ROOT, "node_modules/hardhat/dist/src/cli.js");
  const args = [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)];
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!(await rpcReady(url))) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`hardhat node did not answer on ${url}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, port, process: child, output: () => output, stop };
}
