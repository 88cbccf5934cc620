// Starts `hardhat node` (Hardhat's EDR over JSON-RPC) as a child process on a free port. Nothing is
// compiled: the provider server deploys the bytecode shipped in @pekanu/protocol.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { freePort } from "./freePort.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export type HardhatNode = { rpcUrl: string; port: number; stop(): Promise<void> };

async function rpcReady(rpcUrl: string): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts a node on a free port. The port is free when picked but another process may take it
 * before the node binds (many tests start nodes at once): then the node exits with EADDRINUSE and
 * another port is tried. Ready means the node itself printed that it listens (so a node of another
 * test on the same port is never mistaken for ours) and answers eth_chainId.
 */
export async function startHardhatNode({ timeoutMs = 90_000 }: { timeoutMs?: number } = {}): Promise<HardhatNode> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ timeoutMs });
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 5) throw error;
    }
  }
}

class PortTakenError extends Error {
  override readonly name = "PortTakenError";
}

async function startOnce({ timeoutMs }: { timeoutMs: number }): Promise<HardhatNode> {
  const port = await freePort();
  const cli = createRequire(import.meta.url).resolve("hardhat/package.json").replace(/package\.json$/, "dist/src/cli.js");
  const child: ChildProcess = spawn(process.execPath, [cli, "node", "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  let stderr = "";
  let listening = false;
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    if (listening) return; // the rest (every request) is not needed
    stdout = (stdout + chunk.toString()).slice(-4000);
    if (stdout.includes(`JSON-RPC server at http://127.0.0.1:${port}/`)) listening = true;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (!(listening && (await rpcReady(rpcUrl)))) {
    if (child.exitCode !== null) {
      if (stderr.includes("EADDRINUSE")) throw new PortTakenError(`port ${port} was taken`);
      throw new Error(`hardhat node exited (${child.exitCode}): ${stderr}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not start within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.stdout?.resume(); // keep draining what it prints per request
  return {
    rpcUrl,
    port,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
