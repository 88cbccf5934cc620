// `npm run start:cluster` as a provider runs it on a fresh machine: PostgreSQL, a Ceph RGW, a local
// chain, two provider instances and HAProxy come up from nothing (each provisioned with apt-get when
// missing); the printed URLs answer; a file stored through the load balancer is an object in the
// bucket (state in PostgreSQL, as printed) and it downloads through each instance; exactly one instance leads; Ctrl-C
// stops everything and deletes the cluster's data. (The extension build is the one `npm start`
// makes, tested in start.e2e: skipped here.) Run in the background scale run of `npm test`.
import { execFileSync } from "node:child_process";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hex } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { chainClients, createProviderClient, freePort, payQuote, signIn, testAccount, testFile, testKey, waitFor } from "../provider-server/test/support/index.ts";
import { isRunning, type StartedScript, startNpmScript, stopNpmScript } from "./support/npmScript.ts";

const startCluster = (env: Record<string, string>) => startNpmScript({ args: ["run", "start:cluster"], env, timeoutMs: 600_000 });

/** Processes whose command line mentions `text` (the cluster's own dirs are unique temp paths). */
const processesWith = (text: string) =>
  execFileSync("ps", ["-eo", "args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(text) && !line.startsWith("ps "));

describe("npm run start:cluster", () => {
  let home = "";
  let started: StartedScript | undefined;
  afterAll(async () => {
    // Still up (the test failed before its Ctrl-C): stop it the same way.
    if (started && isRunning(started)) await stopNpmScript(started).catch(() => {});
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("brings PostgreSQL, Ceph RGW, two instances and HAProxy up; a file stored through the balancer downloads through each instance; Ctrl-C stops and deletes everything", { timeout: 900_000 }, async () => {
    home = join(await mkdtemp(join(tmpdir(), "pekanu-cluster-test-")), "cluster");
    const [rpcPort, lbPort, portA, portB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    started = await startCluster({
      PEKANU_CLUSTER_HOME: home,
      PEKANU_RPC_PORT: String(rpcPort),
      PEKANU_PORT: String(lbPort),
      PEKANU_CLUSTER_PORTS: `${portA},${portB}`,
      PEKANU_SKIP_EXTENSION_BUILD: "1",
    });
    const out = started.output();
    const lbUrl = `http://127.0.0.1:${lbPort}`;
    const instances = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    // The same next steps as `npm start`, with the cluster's own lines.
    expect(/Provider server\s+(\S+)/.exec(out)?.[1]).toBe(lbUrl);
    expect(/Chain RPC\s+(\S+)/.exec(out)?.[1]).toBe(`http://127.0.0.1:${rpcPort}`);
    const contract = /ServerContract\s+(0x[0-9a-fA-F]{40})/.exec(out)?.[1] as Hex;
    expect(contract).toBeDefined();
    expect(out).toMatch(/State\s+PostgreSQL\s+Blobs Ceph RGW http:\/\/127\.0\.0\.1:\d+ bucket pekanu/);
    expect(out).toMatch(/Next steps:/);

    // Both instances serve, exactly one leads; the balancer answers for them.
    const health = await Promise.all(instances.map(async (url) => (await (await fetch(`${url}/healthz`)).json()) as { leader: boolean }));
    expect(health.filter((h) => h.leader)).toHaveLength(1);
    const info = (await (await fetch(`${lbUrl}/v1/info`)).json()) as { contract: { address: Hex }; chainId: number };
    expect(info.contract.address.toLowerCase()).toBe(contract.toLowerCase());
    expect(info.chainId).toBe(31337);

    // A client stores a file through the balancer (requests spread over both instances).
    const alice = testAccount(5);
    const client = await signIn({ baseUrl: lbUrl, account: alice });
    await client.register();
    const file = testFile(300_000);
    const quote = await client.quote({ fileRoot: file.root, size: file.size, storageDays: 2 });
    await payQuote({ clients: chainClients({ rpcUrl: `http://127.0.0.1:${rpcPort}`, key: testKey(5) }), contract: info.contract.address, quote });
    await waitFor(async () => (await client.order(quote.quote.orderId)).payment?.confirmed, { what: "payment confirmed", timeoutMs: 60_000 });
    const receipt = await client.upload(quote.quote.orderId, file.bytes);
    expect(receipt.orderId).toBe(quote.quote.orderId);
    for (const url of instances) {
      const download = await createProviderClient({ baseUrl: url, token: client.token }).download(file.root);
      expect(download.status).toBe(200);
      expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    }

    // The file is an object in the cluster's Ceph bucket (not on a local disk).
    const s3Env = Object.fromEntries((await readFile(join(home, "ceph", "env"), "utf8")).split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    const s3 = new S3Client({ endpoint: s3Env.PEKANU_S3_ENDPOINT, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: s3Env.PEKANU_S3_ACCESS_KEY_ID!, secretAccessKey: s3Env.PEKANU_S3_SECRET_ACCESS_KEY! } });
    const object = await s3.send(new HeadObjectCommand({ Bucket: "pekanu", Key: `blobs/${file.root}` }));
    expect(object.ContentLength).toBe(file.size);
    s3.destroy();
    expect(existsSync(join(home, "provider", "blobs", file.root))).toBe(false);

    // Ctrl-C: everything stops and the cluster's data is gone.
    expect(processesWith(home).length).toBeGreaterThan(0); // ceph-mon, ceph-osd, radosgw, haproxy under it
    expect(await stopNpmScript(started)).toBe("stopped cleanly");
    await expect(fetch(`${lbUrl}/v1/info`)).rejects.toThrow();
    for (const url of instances) await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(processesWith(home)).toEqual([]);
    expect(existsSync(home)).toBe(false);
  });
});
