// `npm start` as a new user runs it: the stack comes up, the printed URLs answer, Ctrl-C stops it
// cleanly, and a second start resumes the same chain and provider data.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../provider-server/test/support/freePort.ts";
import { startNpmScript, stopNpmScript } from "./support/npmScript.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

const startStack = (env: Record<string, string>) => startNpmScript({ args: ["start"], env, timeoutMs: 300_000 });

const rpc = async (url: string, method: string, params: unknown[] = []) =>
  (await (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) })).json()) as { result: string };

describe("npm start", () => {
  let home = "";
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("brings the stack up, prints next steps whose URLs answer, stops on Ctrl-C and resumes", { timeout: 420_000 }, async () => {
    home = await mkdtemp(join(tmpdir(), "pekanu-start-"));
    const env = {
      PEKANU_HOME: home,
      PEKANU_RPC_PORT: String(await freePort()),
      PEKANU_PORT: String(await freePort()),
      PLASMO_TAG: "start-test",
    };
    const first = await startStack(env);
    const out = first.output();
    const providerUrl = /Provider server\s+(\S+)/.exec(out)?.[1];
    const rpcUrl = /Chain RPC\s+(\S+)/.exec(out)?.[1];
    const contract = /ServerContract\s+(0x[0-9a-fA-F]{40})/.exec(out)?.[1];
    const extensionDir = /Load unpacked.*\n\s+(\S+)/.exec(out)?.[1];
    expect(providerUrl).toBe(`http://127.0.0.1:${env.PEKANU_PORT}`);
    expect(rpcUrl).toBe(`http://127.0.0.1:${env.PEKANU_RPC_PORT}`);
    expect(out).toMatch(/0x[0-9a-fA-F]{40}\s+0x[0-9a-f]{64}/); // funded development accounts

    // The printed URLs answer.
    const info = await (await fetch(`${providerUrl}/v1/info`)).json();
    expect(info.contract.address.toLowerCase()).toBe(contract!.toLowerCase());
    expect(info.chainId).toBe(31337);
    expect((await rpc(rpcUrl!, "eth_chainId")).result).toBe("0x7a69");
    const code = await rpc(rpcUrl!, "eth_getCode", [contract, "latest"]);
    expect(code.result.length).toBeGreaterThan(2);
    const statusPage = await fetch(`${providerUrl}/`);
    expect(statusPage.status).toBe(200);
    expect((await statusPage.text()).toLowerCase()).toContain(contract!.toLowerCase());
    expect(extensionDir).toBeDefined();
    const manifest = JSON.parse(await readFile(join(extensionDir!, "manifest.json"), "utf8"));
    expect(manifest.manifest_version).toBe(3);

    // Make the chain move so the resumed chain has something to keep.
    const accounts = await rpc(rpcUrl!, "eth_accounts");
    const from = (accounts.result as unknown as string[])[5];
    await rpc(rpcUrl!, "eth_sendTransaction", [{ from, to: "0x000000000000000000000000000000000000dEaD", value: "0x2a" }]);
    const blockBefore = Number((await rpc(rpcUrl!, "eth_blockNumber")).result);

    expect(await stopNpmScript(first)).toBe("stopped cleanly");
    await expect(fetch(`${providerUrl}/v1/info`)).rejects.toThrow();

    // Again: same contract, same chain (the transfer is still there), no new deployment.
    const second = await startStack({ ...env, PEKANU_SKIP_EXTENSION_BUILD: "1" });
    try {
      expect(second.output()).toMatch(/resumed \d+ blocks/);
      const again = await (await fetch(`${providerUrl}/v1/info`)).json();
      expect(again.contract.address).toBe(info.contract.address);
      expect(again.contract.deployBlock).toBe(info.contract.deployBlock);
      expect(Number((await rpc(rpcUrl!, "eth_blockNumber")).result)).toBeGreaterThanOrEqual(blockBefore);
      expect((await rpc(rpcUrl!, "eth_getBalance", ["0x000000000000000000000000000000000000dEaD", "latest"])).result).toBe("0x2a");
    } finally {
      expect(await stopNpmScript(second)).toBe("stopped cleanly");
    }
    expect(existsSync(join(home, "chain", "journal.jsonl"))).toBe(true);
  });
});
