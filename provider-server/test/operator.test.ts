// The operator's side: the pekanu-provider CLI (deploy, stake, register, rotate-signer, withdraw,
// status, serve with graceful shutdown), and the server's logs, which must never carry a secret.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProviderServer } from "../src/app.ts";
import { createLogger } from "../src/createLogger.ts";
import {
  type HardhatNode,
  contractReader,
  freePort,
  signedSiweMessage,
  signIn,
  startHardhatNode,
  testAccount,
  testFile,
  testKey,
  createProviderClient,
  waitFor,
} from "./support/index.ts";

const bin = fileURLToPath(new URL("../bin/pekanu-provider.js", import.meta.url));
let node: HardhatNode;

beforeAll(async () => {
  node = await startHardhatNode();
});

afterAll(async () => {
  await node?.stop();
});

type Run = { code: number | null; stdout: string; stderr: string };

function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const json = (run: Run) => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

describe("pekanu-provider CLI", () => {
  let env: Record<string, string>;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pekanu-cli-"));
    env = { PEKANU_OWNER_KEY: testKey(0), PEKANU_RPC_URL: node.rpcUrl, PEKANU_DATA_DIR: dataDir, PEKANU_STAKE: "3", PEKANU_LOG_LEVEL: "error" };
  });

  it("prints help for the tool and for each command", async () => {
    const top = await cli(["--help"], {});
    expect(top.code).toBe(0);
    for (const command of ["serve", "deploy", "stake add", "stake withdraw", "register", "deregister", "rotate-signer", "withdraw", "status"]) {
      expect(top.stdout).toContain(command);
    }
    const stake = await cli(["stake", "add", "--help"], {});
    expect(stake.code).toBe(0);
    expect(stake.stdout).toContain("usage: pekanu-provider stake add <eth>");
    expect(stake.stdout).toContain("PEKANU_OWNER_KEY_FILE");
    const unknown = await cli(["frobnicate"], {});
    expect(unknown.code).toBe(2);
  });

  it("needs a deployment before owner commands, deploys once, then manages stake, clients, signer and earnings", async () => {
    const early = await cli(["status"], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("no deployment");

    const deployed = json(await cli(["deploy"], env));
    expect(deployed.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(json(await cli(["deploy"], env)).address).toBe(deployed.address); // recorded, not redeployed
    const reader = contractReader({ rpcUrl: node.rpcUrl, address: deployed.address });
    expect((await reader.stake())[0]).toBe(parseEther("3"));

    const client = testAccount(6).address;
    expect(json(await cli(["register", client], env)).txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await reader.isRegistered(client)).toBe(true);
    json(await cli(["deregister", client], env));
    expect(await reader.isRegistered(client)).toBe(false);
    const bad = await cli(["register", "not-an-address"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("expected an address");

    json(await cli(["stake", "add", "2"], env));
    expect((await reader.stake())[0]).toBe(parseEther("5"));
    json(await cli(["stake", "withdraw", "1.5"], env));
    expect((await reader.stake())[0]).toBe(parseEther("3.5"));
    expect(json(await cli(["withdraw"], env)).amountEth).toBe("1.5");
    const nothing = await cli(["withdraw"], env);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain("ServerContractNothingToWithdraw");

    const keyFile = join(env.PEKANU_DATA_DIR!, "new-signer.key");
    await writeFile(keyFile, testKey(7), { mode: 0o600 });
    expect(json(await cli(["rotate-signer", "--key-file", keyFile], env)).signer).toBe(testAccount(7).address);
    expect(await reader.signer()).toBe(testAccount(7).address);

    const status = json(await cli(["status"], env));
    expect(status.contract.address).toBe(deployed.address);
    expect(status.contract.signer).toBe(testAccount(7).address);
    expect(status.contract.signerMatches).toBe(false); // the server still holds the old key
    expect(status.stake.total).toBe(parseEther("3.5").toString());
    expect(JSON.stringify(status)).not.toContain(testKey(0).slice(2));
  });

  it("serve starts the server and stops gracefully on SIGTERM", async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), "pekanu-serve-"));
    const child = spawn(process.execPath, [bin, "serve", "--port", String(port), "--data-dir", dataDir], {
      env: { ...process.env, PEKANU_OWNER_KEY: testKey(0), PEKANU_RPC_URL: node.rpcUrl, PEKANU_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, { timeoutMs: 30_000, what: "server up" });
      const info = await (await fetch(`http://127.0.0.1:${port}/v1/info`)).json();
      expect(info.chainId).toBe(31337);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited, output).toBe(0);
    expect(output).not.toContain(testKey(0).slice(2));
  });
});

describe("server logs", () => {
  it("carry no key, session token, SIWE signature or invite code, even at trace level", async () => {
    let logs = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs += chunk.toString();
        done();
      },
    });
    const port = await freePort();
    const server = await createProviderServer({
      config: {
        dataDir: await mkdtemp(join(tmpdir(), "pekanu-logs-")),
        rpcUrl: node.rpcUrl,
        port,
        ownerKey: testKey(0),
        signerKey: testKey(8),
        pollIntervalMs: 100,
        registration: { policy: "invite", inviteCodes: ["very-secret-invite"] },
      },
      logger: createLogger({ level: "trace", destination: sink as never }),
    });
    const baseUrl = await server.start();
    try {
      const account = testAccount(5);
      const probe = createProviderClient({ baseUrl });
      const siwe = await signedSiweMessage({ baseUrl, account, client: probe });
      const { token } = await probe.session(siwe);
      probe.setToken(token);
      await probe.register({ inviteCode: "very-secret-invite" });
      const file = testFile(100);
      await probe.quote({ fileRoot: file.root, size: file.size, storageDays: 1 });
      await probe.request("/v1/orders", { headers: { authorization: `Bearer ${token}` } });
      const again = await signIn({ baseUrl, account });
      await again.orders();
      await server.sync();
      expect(logs).toContain("client registered");
      for (const secret of [testKey(0).slice(2), testKey(8).slice(2), token, again.token, siwe.signature.slice(2), "very-secret-invite"]) {
        expect(logs).not.toContain(secret);
      }
    } finally {
      await server.stop();
    }
  });
});
