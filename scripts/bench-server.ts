// Provider server benchmark, in ONE run against a hardhat node and the server as a child process
// (so its memory can be read from /proc/<pid>/status):
//   (i)   ingest of a 256 MiB upload (streamed, hashed, verified, fsynced, stored; from the first
//         byte sent to σ received) against `sha256sum` of the same file;
//   (ii)  100 concurrent clients, each signing in, registering, quoting, paying and uploading
//         64 KiB: p50 / p99 latency of every step, and the error count;
//   (iii) peak RSS of the server process during a 1 GiB upload;
//   (iv)  hostile traffic alongside another 100 honest clients (same steps as (ii), the baseline):
//         N idle connections, slow-header (slow-loris) connections, slow unauthenticated bodies,
//         1 MiB unauthenticated JSON bodies sent over and over, and slow bodies with a valid
//         session, all from other loopback addresses (127.0.x.y), kept up for the whole phase;
//         honest p99 and errors, the server's peak RSS, and what the server did to the attackers.
//   npm run bench:server                  → table
//   npm run bench:server -- --json        → JSON
//   npm run bench:server -- --quick       → small sizes, a smoke run (targets are not judged)
//   npm run bench:server -- --cluster     → the scale-out mode: a real Ceph RADOS Gateway is
//         provisioned and started by scripts/infra/ceph-s3.sh (or `--s3-env <file>` names a running
//         one), one server instance stores blobs in it (--blob-store s3), and (i) is measured for a
//         single PUT and for a resumable upload (tus PATCHes of one 8 MiB segment each, as the
//         extension sends them), with the server's peak RSS, against sha256sum in the same run;
//         then a second instance over the same state (PostgreSQL from scripts/infra/postgres.sh,
//         or --database-url, or --sqlite for one shared SQLite file) and bucket: 100 clients
//         through one instance and spread over both, and the leader failover time.
// MB = 10^6 bytes, MiB = 2^20 bytes. The server is `node provider-server/src/main.ts` as an
// operator runs it (it re-executes itself with its memory settings, src/tuneMemory.ts), logging at
// "warn"; one warm-up upload precedes (i). Files are pseudo-random, written to the OS temp dir (read
// from the page cache by both sides) and deleted at the end. Other load on the machine shows in
// the numbers: (i) reports the server's CPU time too.
import { spawnSync } from "node:child_process";
import { createReadStream, readFileSync } from "node:fs";
import { chmod, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import type { QuoteResponse } from "@pekanu/protocol";
import { fileCommitment, fileRootOf, nodeSha256 } from "@pekanu/protocol/node";
import { type Hex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  chainClients,
  chainControl,
  type HardhatNode,
  type ProviderProcess,
  payQuote,
  signIn,
  startHardhatNode,
  startProviderProcess,
  testAccount,
  testKey,
} from "../provider-server/test/support/index.ts";

const { values: args } = parseArgs({
  args: isMainThread ? process.argv.slice(2) : [],
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    cluster: { type: "boolean", default: false },
    "s3-env": { type: "string" },
    /** --cluster: a running PostgreSQL for the instances' state (default: start one); --sqlite: one shared SQLite file instead. */
    "database-url": { type: "string" },
    sqlite: { type: "boolean", default: false },
    /** Idle connections held by the attacker in (iv); the other hostile kinds scale with it. */
    hostile: { type: "string", default: "1000" },
  },
});
const quick = args.quick;
const MiB = 2 ** 20;
const sizes = {
  ingest: (quick ? 32 : 256) * MiB,
  clients: quick ? 20 : 100,
  clientFile: 64 * 1024,
  rssUpload: (quick ? 128 : 1024) * MiB,
  warmUp: (quick ? 4 : 16) * MiB,
};
const targets = { ingestRatio: 0.5, errors: 0, peakRssMB: 200, hostileErrors: 0, hostileRssMB: 300 };
const hostileIdle = Number(args.hostile);

const log = (message: string) => {
  if (!args.json) process.stderr.write(`${message}\n`);
};
const mb = (bytes: number) => bytes / 1e6;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Writes `bytes` of xorshift128 output in 8 MiB pieces (fast, deterministic per seed). */
async function writeRandomFile(path: string, bytes: number, seed: number): Promise<void> {
  const piece = new Uint32Array((8 * MiB) / 4);
  const view = new Uint8Array(piece.buffer);
  let x = 0x9e3779b9 ^ seed;
  let y = 0x243f6a88;
  let z = 0xb7e15162;
  let w = 0x12345678 ^ (seed * 7919);
  const file = await open(path, "w");
  try {
    for (let written = 0; written < bytes; ) {
      for (let i = 0; i < piece.length; i++) {
        const t = x ^ (x << 11);
        x = y;
        y = z;
        z = w;
        w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
        piece[i] = w;
      }
      const n = Math.min(view.length, bytes - written);
      await file.write(view, 0, n);
      written += n;
    }
  } finally {
    await file.close();
  }
}

/** Wall time of `sha256sum path` (best of `runs`; the file is in the page cache). */
function timeSha256sum(path: string, runs = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync("sha256sum", [path], { encoding: "utf8" });
    const seconds = (performance.now() - start) / 1000;
    if (result.status !== 0) throw new Error(`sha256sum failed: ${result.stderr}`);
    best = Math.min(best, seconds);
  }
  return best;
}

/** Streams a file as the body of PUT …/content (Content-Length set); resolves with σ. */
function putFile({ baseUrl, orderId, token, path, size }: { baseUrl: string; orderId: Hex; token: string; path: string; size: number }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${baseUrl}/v1/orders/${orderId}/content`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": String(size) },
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    pipeline(createReadStream(path, { highWaterMark: MiB }), req).catch(reject);
  });
}

type RssProbe = { stop(): { maxSampledMB: number; samples: number } };

/** Samples VmRSS of `pid` every `intervalMs`. */
function sampleRss(pid: number, intervalMs = 20): RssProbe {
  let max = 0;
  let samples = 0;
  const read = () => {
    try {
      max = Math.max(max, statusValue(pid, "VmRSS"));
      samples++;
    } catch {
      // process gone
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return { maxSampledMB: mb(max), samples };
    },
  };
}

/** CPU seconds (user + system, all threads) `pid` has used, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** A memory figure of `pid` from /proc/<pid>/status, in bytes. */
function statusValue(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return kb * 1024;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function confirmedPayment(client: Awaited<ReturnType<typeof signIn>>, orderId: Hex): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const order = await client.order(orderId);
    if (order.payment?.confirmed) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`payment for ${orderId} not confirmed`);
}

/** One large upload by `account`: quote, pay, wait for confirmation, stream the file; timed from the first byte to σ. */
async function timedUpload({ server, node, account, key, path, size }: { server: ProviderProcess; node: HardhatNode; account: ReturnType<typeof testAccount>; key: Hex; path: string; size: number }) {
  const client = await signIn({ baseUrl: server.baseUrl, account });
  await client.register();
  const { root } = await fileCommitment({ path });
  const quote = await client.quote({ fileRoot: root as Hex, size, storageDays: 1 });
  await payQuote({ clients: chainClients({ rpcUrl: node.rpcUrl, key }), contract: server.contract, quote });
  await confirmedPayment(client, quote.quote.orderId);
  return async () => {
    const start = performance.now();
    const { status, body } = await putFile({ baseUrl: server.baseUrl, orderId: quote.quote.orderId, token: client.token, path, size });
    const seconds = (performance.now() - start) / 1000;
    if (status !== 200) throw new Error(`upload answered ${status}: ${body}`);
    const sigma = JSON.parse(body) as { signature: string };
    if (!/^0x[0-9a-f]{130}$/.test(sigma.signature)) throw new Error("no σ in the answer");
    return seconds;
  };
}

type StepName = "signIn" | "register" | "quote" | "pay" | "upload";

async function concurrentClients({ server, node, baseUrls = [server.baseUrl] }: { server: ProviderProcess; node: HardhatNode; baseUrls?: string[] }) {
  const control = chainControl({ rpcUrl: node.rpcUrl });
  const people = await Promise.all(
    Array.from({ length: sizes.clients }, async () => {
      const key = generatePrivateKey();
      const account = privateKeyToAccount(key);
      await control.call("hardhat_setBalance", [account.address, `0x${parseEther("10").toString(16)}`]);
      const bytes = new Uint8Array(sizes.clientFile);
      crypto.getRandomValues(bytes);
      return { key, account, bytes, root: fileRootOf(bytes, { sha256: nodeSha256 }) as Hex };
    }),
  );
  const latencies: Record<StepName, number[]> = { signIn: [], register: [], quote: [], pay: [], upload: [] };
  const errors: { step: StepName; message: string }[] = [];
  const start = performance.now();
  await Promise.all(
    people.map(async ({ key, account, bytes, root }, index) => {
      const baseUrl = baseUrls[index % baseUrls.length]!;
      let step: StepName = "signIn";
      const timed = async <T>(name: StepName, fn: () => Promise<T>): Promise<T> => {
        step = name;
        const t0 = performance.now();
        const value = await fn();
        latencies[name].push(performance.now() - t0);
        return value;
      };
      try {
        const client = await timed("signIn", () => signIn({ baseUrl, account }));
        await timed("register", () => client.register());
        const quote: QuoteResponse = await timed("quote", () => client.quote({ fileRoot: root, size: bytes.length, storageDays: 1 }));
        await timed("pay", () => payQuote({ clients: chainClients({ rpcUrl: node.rpcUrl, key }), contract: server.contract, quote }));
        await timed("upload", () => client.upload(quote.quote.orderId, bytes));
      } catch (error) {
        errors.push({ step, message: (error as Error).message.split("\n")[0]! });
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const summary = Object.fromEntries(
    Object.entries(latencies).map(([name, values]) => [name, { n: values.length, p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)), maxMs: round(Math.max(...values)) }]),
  ) as Record<StepName, { n: number; p50Ms: number; p99Ms: number; maxMs: number }>;
  return { clients: sizes.clients, fileBytes: sizes.clientFile, seconds: round(seconds, 2), steps: summary, errors: errors.length, errorSamples: errors.slice(0, 5) };
}

/** PATCHes the file from offset 0 in segments of `segment` bytes (the tus client loop); resolves with σ's body. */
async function patchFile({ baseUrl, orderId, token, path, size, segment }: { baseUrl: string; orderId: Hex; token: string; path: string; size: number; segment: number }) {
  const file = await open(path, "r");
  try {
    let body = "";
    for (let offset = 0; offset < size; ) {
      const length = Math.min(segment, size - offset);
      const bytes = Buffer.allocUnsafe(length);
      await file.read(bytes, 0, length, offset);
      const response = await fetch(`${baseUrl}/v1/orders/${orderId}/content`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${token}`, "tus-resumable": "1.0.0", "content-type": "application/offset+octet-stream", "upload-offset": String(offset) },
        body: bytes,
      });
      body = await response.text();
      if (response.status !== 204 && response.status !== 200) throw new Error(`PATCH at ${offset} answered ${response.status}: ${body}`);
      offset = Number(response.headers.get("upload-offset"));
    }
    return body;
  } finally {
    await file.close();
  }
}

/** Reads KEY=value lines. */
async function readEnvFile(path: string): Promise<Record<string, string>> {
  const text = await readFile(path, "utf8");
  return Object.fromEntries(text.split("\n").filter((l) => l.includes("=") && !l.startsWith("#")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

/** Settings of every instance of the cluster mode (the leader lease as `npm run start:cluster` sets it). */
const clusterEnv = { PEKANU_LEADER_LEASE_MS: "6000", PEKANU_POLL_INTERVAL_MS: "500" };

/**
 * Kills the leader (SIGKILL) and times until the other instance applied the first chain event
 * after it: a payment sent right after the kill, seen in the order list (its chain state comes
 * only from the event follower, not from a direct chain read) through the other instance.
 */
async function leaderFailover({ leader, other, node }: { leader: ProviderProcess; other: ProviderProcess; node: HardhatNode }) {
  const account = testAccount(4);
  const client = await signIn({ baseUrl: other.baseUrl, account });
  await client.register();
  const bytes = new Uint8Array(4096);
  crypto.getRandomValues(bytes);
  const quote = await client.quote({ fileRoot: fileRootOf(bytes, { sha256: nodeSha256 }) as Hex, size: bytes.length, storageDays: 1 });
  log("leader failover: SIGKILL to the leader, then a payment …");
  const killedAt = performance.now();
  await leader.kill();
  await payQuote({ clients: chainClients({ rpcUrl: node.rpcUrl, key: testKey(4) }), contract: other.contract, quote });
  for (;;) {
    const listed = (await client.orders()).orders.find((o) => o.orderId === quote.quote.orderId);
    if (listed?.chainState === "Paid") break;
    if (performance.now() - killedAt > 120_000) throw new Error("the other instance never applied the payment");
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = round((performance.now() - killedAt) / 1000, 2);
  const health = (await (await fetch(`${other.baseUrl}/healthz`)).json()) as { leader: boolean };
  if (!health.leader) throw new Error("the other instance applied the event but does not say it leads");
  return { seconds, leaseMs: Number(clusterEnv.PEKANU_LEADER_LEASE_MS) };
}

/** `--cluster`: ingest into a real Ceph RGW through one instance, PUT and resumable PATCH, with RSS. */
async function mainCluster(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "pekanu-bench-cluster-"));
  const script = join(import.meta.dirname, "infra", "ceph-s3.sh");
  const cephDir = join(dir, "ceph");
  let node: HardhatNode | undefined;
  let server: ProviderProcess | undefined;
  let startedCeph = false;
  let secondServer: ProviderProcess | undefined;
  let pgParent: string | undefined;
  const pgScript = join(import.meta.dirname, "infra", "postgres.sh");
  try {
    let s3: Record<string, string>;
    let cephSeconds: number | undefined;
    if (args["s3-env"]) {
      s3 = await readEnvFile(args["s3-env"]);
    } else {
      log("provisioning and starting Ceph RGW (scripts/infra/ceph-s3.sh) …");
      const t0 = performance.now();
      const started = spawnSync("bash", [script, "start", cephDir], { encoding: "utf8", timeout: 600_000 });
      if (started.status !== 0) throw new Error(`Ceph RGW could not be started: ${started.stderr.slice(-2000)}`);
      startedCeph = true;
      cephSeconds = round((performance.now() - t0) / 1000, 1);
      s3 = await readEnvFile(join(cephDir, "env"));
    }
    // The instances' shared state: PostgreSQL (scripts/infra/postgres.sh, or --database-url), or
    // with --sqlite one SQLite file in their shared data dir.
    let databaseUrl = args["database-url"];
    if (!databaseUrl && !args.sqlite) {
      log("provisioning and starting PostgreSQL (scripts/infra/postgres.sh) …");
      pgParent = await mkdtemp(join(tmpdir(), "pekanu-bench-pg-"));
      await chmod(pgParent, 0o711); // reachable by the postgres user when run as root
      const started = spawnSync("bash", [pgScript, "start", join(pgParent, "postgres")], { encoding: "utf8", timeout: 600_000 });
      if (started.status !== 0) throw new Error(`PostgreSQL could not be started: ${started.stderr.slice(-2000)}`);
      databaseUrl = (await readEnvFile(join(pgParent, "postgres", "env"))).PEKANU_DATABASE_URL;
    }
    log(`hardhat node and provider server (child process, --blob-store s3 at ${s3.PEKANU_S3_ENDPOINT}) …`);
    node = await startHardhatNode();
    const instanceEnv: Record<string, string> = {
        PEKANU_LOG_LEVEL: process.env.PEKANU_TEST_LOG ?? "warn",
        PEKANU_AUTH_BURST: "1000000",
        PEKANU_COLLECT_INTERVAL_MS: "0",
        PEKANU_STAKE: "1000",
        PEKANU_BLOB_STORE: "s3",
        PEKANU_S3_BUCKET: `pekanu-bench-${Date.now()}`,
        PEKANU_S3_CREATE_BUCKET: "true",
        PEKANU_S3_ENDPOINT: s3.PEKANU_S3_ENDPOINT!,
        PEKANU_S3_ACCESS_KEY_ID: s3.PEKANU_S3_ACCESS_KEY_ID!,
        PEKANU_S3_SECRET_ACCESS_KEY: s3.PEKANU_S3_SECRET_ACCESS_KEY!,
        PEKANU_S3_REGION: s3.PEKANU_S3_REGION ?? "us-east-1",
        ...clusterEnv,
        ...(databaseUrl ? { PEKANU_DATABASE_URL: databaseUrl } : {}),
    };
    server = await startProviderProcess({ rpcUrl: node.rpcUrl, dataDir: join(dir, "data"), env: { ...instanceEnv, PEKANU_INSTANCE_ID: "a" }, timeoutMs: 240_000 });
    const pid = server.pid;
    const idleRss = statusValue(pid, "VmRSS");
    const warmPath = join(dir, "warm.bin");
    await writeRandomFile(warmPath, sizes.warmUp, 3);
    await (await timedUpload({ server, node, account: testAccount(3), key: testKey(3), path: warmPath, size: sizes.warmUp }))();
    await rm(warmPath);

    const measureOne = async (kind: "put" | "patch", seed: number, account: number) => {
      const path = join(dir, `ingest-${kind}.bin`);
      await writeRandomFile(path, sizes.ingest, seed);
      const shaSeconds = timeSha256sum(path);
      let run: () => Promise<number>;
      if (kind === "put") {
        run = await timedUpload({ server: server!, node: node!, account: testAccount(account), key: testKey(account), path, size: sizes.ingest });
      } else {
        const client = await signIn({ baseUrl: server!.baseUrl, account: testAccount(account) });
        await client.register();
        const { root } = await fileCommitment({ path });
        const quote = await client.quote({ fileRoot: root as Hex, size: sizes.ingest, storageDays: 1 });
        await payQuote({ clients: chainClients({ rpcUrl: node!.rpcUrl, key: testKey(account) }), contract: server!.contract, quote });
        await confirmedPayment(client, quote.quote.orderId);
        run = async () => {
          const start = performance.now();
          const body = await patchFile({ baseUrl: server!.baseUrl, orderId: quote.quote.orderId, token: client.token, path, size: sizes.ingest, segment: 8 * MiB });
          if (!/"signature":"0x[0-9a-f]{130}"/.test(body)) throw new Error(`no σ in the answer: ${body}`);
          return (performance.now() - start) / 1000;
        };
      }
      let hwmReset = false;
      try {
        await writeFile(`/proc/${pid}/clear_refs`, "5");
        hwmReset = true;
      } catch {
        hwmReset = false;
      }
      log(`(${kind}) uploading ${sizes.ingest / MiB} MiB into Ceph RGW …`);
      const probe = sampleRss(pid);
      const cpuBefore = cpuSeconds(pid);
      const seconds = await run();
      const cpu = cpuSeconds(pid) - cpuBefore;
      const sampled = probe.stop();
      const hwm = statusValue(pid, "VmHWM");
      await rm(path);
      return {
        kind,
        bytes: sizes.ingest,
        serverSeconds: round(seconds, 3),
        serverMBps: round(mb(sizes.ingest) / seconds),
        serverCpuSeconds: round(cpu, 2),
        sha256sumSeconds: round(shaSeconds, 3),
        sha256sumMBps: round(mb(sizes.ingest) / shaSeconds),
        ratio: round(shaSeconds / seconds, 2),
        peakRssMB: round(Math.max(sampled.maxSampledMB, hwmReset ? mb(hwm) : 0)),
      };
    };
    const put = await measureOne("put", 1, 1);
    const patch = await measureOne("patch", 2, 2);

    // A second instance over the same state and bucket: clients spread over both, against the
    // first alone in the same run; then the leader is killed and the failover timed.
    log("second instance over the same state and bucket …");
    const second = await startProviderProcess({
      rpcUrl: node.rpcUrl,
      dataDir: join(dir, "data"),
      env: { ...instanceEnv, PEKANU_INSTANCE_ID: "b" },
      timeoutMs: 240_000,
    });
    secondServer = second;
    log(`(ii) ${sizes.clients} concurrent clients, one instance …`);
    const single = await concurrentClients({ server, node, baseUrls: [server.baseUrl] });
    log(`(ii) ${sizes.clients} concurrent clients over two instances …`);
    const spread = await concurrentClients({ server, node, baseUrls: [server.baseUrl, second.baseUrl] });
    const failover = await leaderFailover({ leader: server, other: second, node });
    const clusterTargets = { errors: 0, failoverSeconds: 15 };
    const met = {
      ingestRatio: put.ratio >= targets.ingestRatio,
      peakRss: Math.max(put.peakRssMB, patch.peakRssMB) < targets.peakRssMB,
      errors: single.errors === 0 && spread.errors === 0,
      failover: failover.seconds <= clusterTargets.failoverSeconds,
    };
    const p99Ratios = Object.fromEntries(Object.keys(spread.steps).map((name) => [name, round(spread.steps[name as StepName].p99Ms / single.steps[name as StepName].p99Ms, 2)]));
    const result = { mode: "cluster", state: databaseUrl ? "postgres" : "sqlite", quick, node: process.version, cephStartSeconds: cephSeconds ?? null, idleRssMB: round(mb(idleRss)), put, patch, single, spread, p99Ratios, failover, targets: { ...targets, ...clusterTargets }, met };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const yes = (ok: boolean) => (quick ? "(quick)" : ok ? "yes" : "NO");
      const rows: [string, string, string, string][] = [];
      if (cephSeconds !== undefined) rows.push(["Ceph RGW provisioned + started", `${cephSeconds} s`, "", ""]);
      rows.push(["instances' shared state", databaseUrl ? "PostgreSQL" : "one SQLite file", "", ""]);
      for (const r of [put, patch]) {
        const label = r.kind === "put" ? "single PUT" : "tus PATCH × 8 MiB";
        rows.push([`ingest ${sizes.ingest / MiB} MiB into Ceph RGW, ${label}`, `${r.serverMBps} MB/s (${r.serverSeconds} s, server CPU ${r.serverCpuSeconds} s)`, "", ""]);
        rows.push([`    sha256sum of the same file (best of 3)`, `${r.sha256sumMBps} MB/s (${r.sha256sumSeconds} s)`, "", ""]);
        rows.push([`    ratio ingest / sha256sum`, `${r.ratio}`, `≥ ${targets.ingestRatio}`, r.kind === "put" ? yes(met.ingestRatio) : yes(r.ratio >= targets.ingestRatio)]);
        rows.push([`    server peak RSS`, `${r.peakRssMB} MB`, `< ${targets.peakRssMB} MB`, yes(r.peakRssMB < targets.peakRssMB)]);
      }
      rows.push(["server idle RSS", `${round(mb(idleRss))} MB`, "", ""]);
      for (const [label, run] of [["one instance", single], ["two instances", spread]] as const) {
        for (const [name, s] of Object.entries(run.steps)) {
          const ratio = label === "two instances" ? `   (${p99Ratios[name]}× one instance)` : "";
          rows.push([`(ii) ${run.clients} clients, ${label}: ${name}`, `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms (n ${s.n})${ratio}`, "", ""]);
        }
        rows.push([`     errors (whole run ${run.seconds} s)`, `${run.errors}`, "0", yes(run.errors === 0)]);
      }
      rows.push(["leader killed → first event applied by the other", `${failover.seconds} s (lease ${failover.leaseMs} ms)`, `≤ ${clusterTargets.failoverSeconds} s`, yes(met.failover)]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ");
      process.stdout.write(`${line(["measure", "value", "target", "met"])}\n${rows.map(line).join("\n")}\n`);
      for (const run of [single, spread]) if (run.errorSamples.length > 0) process.stdout.write(`errors: ${JSON.stringify(run.errorSamples)}\n`);
    }
  } finally {
    await secondServer?.stop().catch(() => {});
    await server?.stop().catch(() => {});
    await node?.stop().catch(() => {});
    if (startedCeph) spawnSync("bash", [script, "stop", cephDir], { timeout: 120_000 });
    if (pgParent) {
      spawnSync("bash", [pgScript, "stop", join(pgParent, "postgres")], { timeout: 120_000 });
      await rm(pgParent, { recursive: true, force: true });
    }
    await rm(dir, { recursive: true, force: true });
  }
}

type HostileStats = {
  opened: number;
  refusedAtConnect: number;
  closedByServer: number;
  answered: Record<string, number>;
  maxOpen: number;
  idleLifetimesMs: number[];
};

/**
 * Hostile traffic until `stop()`: each kind keeps its number of connections open, opening a new
 * one whenever the server closes one. Sources are 127.0.<10..>.<1..> so that the attacker spreads
 * over many addresses (≤ 20 connections each), as a botnet would.
 */
function hostileTraffic({ baseUrl, idle, token }: { baseUrl: string; idle: number; token: string }) {
  const { hostname, port } = new URL(baseUrl);
  const stats: HostileStats = { opened: 0, refusedAtConnect: 0, closedByServer: 0, answered: {}, maxOpen: 0, idleLifetimesMs: [] };
  let open = 0;
  let stopping = false;
  const sockets = new Set<import("node:net").Socket>();
  let sourceIndex = 0;
  const source = () => {
    const n = sourceIndex++ % 2000;
    return `127.0.${10 + Math.floor(n / 200)}.${1 + (n % 200)}`;
  };
  const junkBody = `{"proofs":[${'"x",'.repeat(262_000)}"x"]}`;
  const kinds: { name: string; count: number; start(socket: import("node:net").Socket): void }[] = [
    { name: "idle", count: idle, start: () => {} },
    {
      name: "slowHeaders",
      count: Math.round(idle / 5),
      start: (socket) => {
        socket.write("GET /v1/info HTTP/1.1\r\nHost: x\r\n");
        const timer = setInterval(() => socket.writable && socket.write("X-a: b\r\n"), 2_000);
        socket.once("close", () => clearInterval(timer));
      },
    },
    {
      name: "slowUnauthenticatedBody",
      count: Math.round(idle / 5),
      start: (socket) => {
        socket.write("POST /v1/quotes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{");
        const timer = setInterval(() => socket.writable && socket.write(" "), 1_000);
        socket.once("close", () => clearInterval(timer));
      },
    },
    {
      name: "unauthenticated1MiBBody",
      count: Math.round(idle / 10),
      start: (socket) => {
        socket.write(`PUT /v1/orders/0x${"22".repeat(32)}/content HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${junkBody.length}\r\n\r\n`);
        socket.write(junkBody);
      },
    },
    {
      name: "slowAuthenticatedBody",
      count: Math.round(idle / 20),
      start: (socket) => {
        socket.write(`POST /v1/quotes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{`);
        const timer = setInterval(() => socket.writable && socket.write(" "), 1_000);
        socket.once("close", () => clearInterval(timer));
      },
    },
  ];
  const launch = (kind: (typeof kinds)[number]) => {
    if (stopping) return;
    const socket = connect({ host: hostname, port: Number(port), localAddress: source() });
    sockets.add(socket);
    const openedAt = performance.now();
    let connected = false;
    let data = "";
    stats.opened++;
    socket.on("connect", () => {
      connected = true;
      open++;
      stats.maxOpen = Math.max(stats.maxOpen, open);
      kind.start(socket);
    });
    socket.on("data", (chunk) => {
      if (data.length < 64) data += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      if (connected) open--;
      const lifetime = performance.now() - openedAt;
      if (!stopping) {
        const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
        if (status) stats.answered[`${kind.name} ${status}`] = (stats.answered[`${kind.name} ${status}`] ?? 0) + 1;
        else if (lifetime < 50) stats.refusedAtConnect++;
        stats.closedByServer++;
        if (kind.name === "idle" && lifetime >= 50) stats.idleLifetimesMs.push(lifetime);
        // Keep the pressure: a new one takes its place (after a short pause if it was refused at once).
        setTimeout(() => launch(kind), lifetime < 50 ? 100 : 0);
      }
    });
  };
  for (const kind of kinds) for (let i = 0; i < kind.count; i++) launch(kind);
  return {
    kinds: Object.fromEntries(kinds.map((k) => [k.name, k.count])),
    stop(): HostileStats {
      stopping = true;
      for (const socket of sockets) socket.destroy();
      return stats;
    },
  };
}

/** Runs hostileTraffic in a worker thread, so the attack does not slow the honest clients' event loop. */
function hostileWorker({ baseUrl, idle, token }: { baseUrl: string; idle: number; token: string }) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { baseUrl, idle, token } });
  const kinds = new Promise<Record<string, number>>((resolve) => worker.once("message", (m: { kinds: Record<string, number> }) => resolve(m.kinds)));
  return {
    kinds,
    async stop(): Promise<HostileStats> {
      const stats = new Promise<HostileStats>((resolve) => worker.on("message", (m: { stats?: HostileStats }) => m.stats && resolve(m.stats)));
      worker.postMessage("stop");
      const result = await stats;
      await worker.terminate();
      return result;
    },
  };
}

async function main(): Promise<void> {
  if (args.cluster) return mainCluster();
  const dir = await mkdtemp(join(tmpdir(), "pekanu-bench-server-"));
  let node: HardhatNode | undefined;
  let server: ProviderProcess | undefined;
  try {
    log(`hardhat node and provider server (child process)${quick ? " — quick mode" : ""} …`);
    node = await startHardhatNode();
    server = await startProviderProcess({
      rpcUrl: node.rpcUrl,
      dataDir: join(dir, "data"),
      env: {
        PEKANU_LOG_LEVEL: process.env.PEKANU_TEST_LOG ?? "warn",
        // One IP sends every sign-in of the benchmark.
        PEKANU_AUTH_BURST: "1000000",
        PEKANU_COLLECT_INTERVAL_MS: "0",
        PEKANU_STAKE: "1000",
      },
    });
    const pid = server.pid;
    const idleRss = statusValue(pid, "VmRSS");

    // Warm-up: one small upload, so (i) measures the server's steady state, not V8 compiling
    // the hashing code on the first megabytes.
    const warmPath = join(dir, "warm.bin");
    await writeRandomFile(warmPath, sizes.warmUp, 3);
    await (await timedUpload({ server, node, account: testAccount(3), key: testKey(3), path: warmPath, size: sizes.warmUp }))();
    await rm(warmPath);

    // (i) ingest vs sha256sum
    const ingestPath = join(dir, "ingest.bin");
    log(`writing ${sizes.ingest / MiB} MiB …`);
    await writeRandomFile(ingestPath, sizes.ingest, 1);
    const shaSeconds = timeSha256sum(ingestPath);
    const ingestUpload = await timedUpload({ server, node, account: testAccount(1), key: testKey(1), path: ingestPath, size: sizes.ingest });
    log(`(i) uploading ${sizes.ingest / MiB} MiB …`);
    const cpuBefore = cpuSeconds(pid);
    const ingestSeconds = await ingestUpload();
    const ingestCpu = cpuSeconds(pid) - cpuBefore;
    await rm(ingestPath);
    const ingest = {
      bytes: sizes.ingest,
      serverSeconds: round(ingestSeconds, 3),
      serverMBps: round(mb(sizes.ingest) / ingestSeconds),
      /** CPU time the server process used for the upload (all its threads). */
      serverCpuSeconds: round(ingestCpu, 2),
      sha256sumSeconds: round(shaSeconds, 3),
      sha256sumMBps: round(mb(sizes.ingest) / shaSeconds),
      ratio: round(shaSeconds / ingestSeconds, 2),
      target: targets.ingestRatio,
    };

    // (ii) concurrent clients
    log(`(ii) ${sizes.clients} concurrent clients …`);
    const concurrency = await concurrentClients({ server, node });

    // (iii) peak RSS during a large upload
    const rssPath = join(dir, "large.bin");
    log(`writing ${sizes.rssUpload / MiB} MiB …`);
    await writeRandomFile(rssPath, sizes.rssUpload, 2);
    const largeUpload = await timedUpload({ server, node, account: testAccount(2), key: testKey(2), path: rssPath, size: sizes.rssUpload });
    const rssBefore = statusValue(pid, "VmRSS");
    // Resetting the peak (clear_refs 5) makes VmHWM the peak of this upload alone.
    let hwmReset = false;
    try {
      await writeFile(`/proc/${pid}/clear_refs`, "5");
      hwmReset = true;
    } catch {
      hwmReset = false;
    }
    log(`(iii) uploading ${sizes.rssUpload / MiB} MiB while sampling RSS …`);
    const probe = sampleRss(pid);
    const largeSeconds = await largeUpload();
    const sampled = probe.stop();
    const hwm = statusValue(pid, "VmHWM");
    await rm(rssPath);
    const peakMB = Math.max(sampled.maxSampledMB, hwmReset ? mb(hwm) : 0);
    const rss = {
      bytes: sizes.rssUpload,
      uploadSeconds: round(largeSeconds, 2),
      uploadMBps: round(mb(sizes.rssUpload) / largeSeconds),
      idleRssMB: round(mb(idleRss)),
      rssBeforeUploadMB: round(mb(rssBefore)),
      peakSampledRssMB: round(sampled.maxSampledMB),
      samples: sampled.samples,
      vmHwmMB: round(mb(hwm)),
      vmHwmIsUploadPeak: hwmReset,
      peakMB: round(peakMB),
      target: targets.peakRssMB,
    };

    // (iv) hostile traffic alongside 100 honest clients
    log(`(iv) ${sizes.clients} clients alongside hostile traffic (${hostileIdle} idle connections and more) …`);
    const attacker = await signIn({ baseUrl: server.baseUrl, account: privateKeyToAccount(generatePrivateKey()) });
    const rssCalm = statusValue(pid, "VmRSS");
    const hostileProbe = sampleRss(pid, 50);
    const attack = hostileWorker({ baseUrl: server.baseUrl, idle: hostileIdle, token: attacker.token });
    const attackKinds = await attack.kinds;
    // Let the attack build up before the honest clients come.
    await new Promise((r) => setTimeout(r, quick ? 2_000 : 5_000));
    const underAttack = await concurrentClients({ server, node });
    const attackStats = await attack.stop();
    const hostileRss = hostileProbe.stop();
    const idleLifetimes = attackStats.idleLifetimesMs;
    const hostile = {
      attack: attackKinds,
      honest: underAttack,
      p99RatioToBaseline: Object.fromEntries(
        Object.keys(underAttack.steps).map((name) => [name, round(underAttack.steps[name as StepName].p99Ms / concurrency.steps[name as StepName].p99Ms, 2)]),
      ),
      rssBeforeMB: round(mb(rssCalm)),
      peakRssMB: round(hostileRss.maxSampledMB),
      server: {
        connectionsOpened: attackStats.opened,
        refusedAtConnect: attackStats.refusedAtConnect,
        closedByServer: attackStats.closedByServer,
        maxOpenAtOnce: attackStats.maxOpen,
        answers: attackStats.answered,
        idleConnectionLifetimeP50Ms: round(percentile(idleLifetimes, 50), 0),
        idleConnectionLifetimeMaxMs: round(idleLifetimes.length ? Math.max(...idleLifetimes) : Number.NaN, 0),
      },
      targets: { errors: targets.hostileErrors, peakRssMB: targets.hostileRssMB },
    };

    const met = {
      ingestRatio: ingest.ratio >= targets.ingestRatio,
      errors: concurrency.errors === targets.errors,
      peakRss: peakMB < targets.peakRssMB,
      hostileErrors: underAttack.errors === targets.hostileErrors,
      hostileRss: hostile.peakRssMB < targets.hostileRssMB,
    };
    const result = { quick, node: process.version, cpus: (await readFile("/proc/cpuinfo", "utf8").catch(() => "")).match(/^processor/gm)?.length ?? null, ingest, concurrency, rss, hostile, met };
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const yes = (ok: boolean) => (quick ? "(quick)" : ok ? "yes" : "NO");
      const rows: [string, string, string, string][] = [
        [`(i) ingest ${sizes.ingest / MiB} MiB, upload start → σ`, `${ingest.serverMBps} MB/s (${ingest.serverSeconds} s, server CPU ${ingest.serverCpuSeconds} s)`, "", ""],
        [`    sha256sum of the same file (best of 3)`, `${ingest.sha256sumMBps} MB/s (${ingest.sha256sumSeconds} s)`, "", ""],
        [`    ratio ingest / sha256sum`, `${ingest.ratio}`, `≥ ${targets.ingestRatio}`, yes(met.ingestRatio)],
      ];
      for (const [name, s] of Object.entries(concurrency.steps)) {
        rows.push([`(ii) ${concurrency.clients} clients: ${name}`, `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms (n ${s.n})`, "", ""]);
      }
      rows.push([`     errors (whole run ${concurrency.seconds} s)`, `${concurrency.errors}`, `${targets.errors}`, yes(met.errors)]);
      rows.push([`(iii) peak RSS, ${sizes.rssUpload / MiB} MiB upload`, `${rss.peakMB} MB`, `< ${targets.peakRssMB} MB`, yes(met.peakRss)]);
      rows.push([`     idle / before upload / VmHWM`, `${rss.idleRssMB} / ${rss.rssBeforeUploadMB} / ${rss.vmHwmMB} MB${rss.vmHwmIsUploadPeak ? "" : " (lifetime)"}`, "", ""]);
      rows.push([`     upload speed`, `${rss.uploadMBps} MB/s (${rss.uploadSeconds} s)`, "", ""]);
      for (const [name, st] of Object.entries(hostile.honest.steps)) {
        rows.push([`(iv) ${hostile.honest.clients} clients under attack: ${name}`, `p50 ${st.p50Ms} ms, p99 ${st.p99Ms} ms (×${hostile.p99RatioToBaseline[name]} of (ii))`, "", ""]);
      }
      rows.push([`     honest errors (whole run ${hostile.honest.seconds} s)`, `${hostile.honest.errors}`, `${targets.hostileErrors}`, yes(met.hostileErrors)]);
      rows.push([`     server peak RSS under attack`, `${hostile.peakRssMB} MB (before ${hostile.rssBeforeMB} MB)`, `< ${targets.hostileRssMB} MB`, yes(met.hostileRss)]);
      rows.push([`     attack (connections held per kind)`, Object.entries(hostile.attack).map(([k, v]) => `${k} ${v}`).join(", "), "", ""]);
      rows.push([`     hostile connections opened / closed by server`, `${hostile.server.connectionsOpened} / ${hostile.server.closedByServer} (max open at once ${hostile.server.maxOpenAtOnce})`, "", ""]);
      rows.push([`     idle connection lifetime p50 / max`, `${hostile.server.idleConnectionLifetimeP50Ms} / ${hostile.server.idleConnectionLifetimeMaxMs} ms`, "", ""]);
      rows.push([`     answers to the attacker`, Object.entries(hostile.server.answers).map(([k, v]) => `${k}: ${v}`).join(", ") || "none", "", ""]);
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ");
      process.stdout.write(`${line(["measure", "value", "target", "met"])}\n${rows.map(line).join("\n")}\n`);
      if (concurrency.errorSamples.length > 0) process.stdout.write(`errors: ${JSON.stringify(concurrency.errorSamples)}\n`);
      if (hostile.honest.errorSamples.length > 0) process.stdout.write(`errors under attack: ${JSON.stringify(hostile.honest.errorSamples)}\n`);
    }
  } finally {
    await server?.stop().catch(() => {});
    await node?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  const attack = hostileTraffic(workerData as { baseUrl: string; idle: number; token: string });
  parentPort!.postMessage({ kinds: attack.kinds });
  parentPort!.on("message", () => parentPort!.postMessage({ stats: attack.stop() }));
}
