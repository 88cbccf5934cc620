// `npm run start:cluster`: the scale-out provider on one machine, in one command.
//   1. PostgreSQL (scripts/infra/postgres.sh) and a Ceph RADOS Gateway as the S3 store
//      (scripts/infra/ceph-s3.sh), each provisioned with apt-get when missing (run as root);
//   2. a local EVM (Hardhat's EDR) on 127.0.0.1:8545, as `npm start`;
//   3. two provider instances (child processes) over that state and that bucket, on 8801 and 8802,
//      the first deploying and staking the ServerContract; they share the work, one holds the
//      leader lease (chain events, answers, earnings);
//   4. HAProxy on 127.0.0.1:8787 in front of both (scripts/infra/haproxy.sh), the URL clients use;
//   5. the extension build (plasmo), as `npm start`;
// then prints the same next steps as `npm start`. Ctrl-C stops everything and deletes the
// cluster's data: each run starts from nothing (its home is PEKANU_CLUSTER_HOME, default
// .data/cluster; PostgreSQL's under the OS temp dir). PEKANU_CLUSTER_DATABASE=sqlite keeps the state in one SQLite file both instances
// open (no PostgreSQL); PEKANU_CLUSTER_BLOBS=disk keeps the blobs in the shared data dir (no Ceph).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { serverContractAbi } from "@pekanu/protocol";
import { createPublicClient, http } from "viem";
import { buildExtension } from "./lib/buildExtension.ts";
import { startDevChain } from "./lib/devChain.ts";
import { devKey, printNextSteps } from "./lib/nextSteps.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));
const home = resolve(process.env.PEKANU_CLUSTER_HOME ?? `${root}.data/cluster`);
const rpcPort = Number(process.env.PEKANU_RPC_PORT ?? 8545);
const lbPort = Number(process.env.PEKANU_PORT ?? 8787);
const instancePorts = (process.env.PEKANU_CLUSTER_PORTS ?? "8801,8802").split(",").map(Number);
const useDatabase = (process.env.PEKANU_CLUSTER_DATABASE ?? "postgres") === "postgres";
const useS3 = (process.env.PEKANU_CLUSTER_BLOBS ?? "s3") === "s3";
const skipExtension = process.env.PEKANU_SKIP_EXTENSION_BUILD === "1";
const infra = (name: string) => `${root}scripts/infra/${name}`;
const say = (line = "") => process.stdout.write(`${line}\n`);
const lbUrl = `http://127.0.0.1:${lbPort}`;

const children: ChildProcess[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let stopping = false;

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done(null) : child.once("exit", done)))));
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => say(`cleanup: ${error.message.split("\n")[0]}`));
  await rm(home, { recursive: true, force: true });
  say("stopped");
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0).then(() => undefined));
process.on("SIGTERM", () => void stopAll(0).then(() => undefined));

/** Runs an infra script's `start` and returns the KEY=value lines it wrote to <dir>/env. */
async function startInfra(script: string, dir: string, args: string[] = []): Promise<Record<string, string>> {
  cleanups.push(() => run("bash", [infra(script), "stop", dir, ...(script === "haproxy.sh" ? [] : [])], { timeout: 120_000 }));
  const { stdout } = await run("bash", [infra(script), "start", dir, ...args], { timeout: 900_000, maxBuffer: 16 << 20 });
  const text = script === "haproxy.sh" ? stdout : await readFile(`${dir}/env`, "utf8");
  return Object.fromEntries(
    text
      .split("\n")
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

async function main() {
  await rm(home, { recursive: true, force: true });
  say(`pekanu cluster: data in ${home} (deleted on Ctrl-C)`);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

  // PostgreSQL runs as the `postgres` user when started as root: its directory goes where that
  // user can reach it (a checkout under a private home directory would not do).
  const pgParent = useDatabase ? await mkdtemp(join(tmpdir(), "pekanu-cluster-pg-")) : undefined;
  if (pgParent) {
    await chmod(pgParent, 0o711);
    cleanups.push(() => rm(pgParent, { recursive: true, force: true }));
  }
  // PostgreSQL and Ceph start together (Ceph takes ~35–60 s).
  const [database, s3] = await Promise.all([
    pgParent ? startInfra("postgres.sh", join(pgParent, "postgres")).then((env) => (say(`postgres: ready (${elapsed()})`), env)) : Promise.resolve({} as Record<string, string>),
    useS3 ? startInfra("ceph-s3.sh", `${home}/ceph`).then((env) => (say(`ceph rgw: ${env.PEKANU_S3_ENDPOINT} ready (${elapsed()})`), env)) : Promise.resolve({} as Record<string, string>),
  ]);

  const chain = await startDevChain({ port: rpcPort, journalPath: `${home}/chain/journal.jsonl`, log: (line) => say(`chain: ${line}`) });
  cleanups.push(() => chain.close());
  say(`chain: JSON-RPC at ${chain.rpcUrl} (chain id ${chain.chainId})`);

  const shared: Record<string, string> = {
    PEKANU_RPC_URL: chain.rpcUrl,
    PEKANU_OWNER_KEY: devKey(0).privateKey,
    PEKANU_SIGNER_KEY: devKey(1).privateKey,
    PEKANU_STAKE: "100",
    PEKANU_PARAMS: "local",
    PEKANU_POLL_INTERVAL_MS: "1000",
    PEKANU_HOST: "127.0.0.1",
    PEKANU_PUBLIC_URL: lbUrl,
    PEKANU_TRUST_PROXY: "loopback",
    PEKANU_LEADER_LEASE_MS: "6000",
    PEKANU_LOG_LEVEL: process.env.PEKANU_LOG_LEVEL ?? "warn",
    // One data dir for both: the SQLite state when PostgreSQL is off, the disk blobs when S3 is off.
    PEKANU_DATA_DIR: `${home}/provider`,
    ...database,
    ...(useS3 ? { ...s3, PEKANU_BLOB_STORE: "s3", PEKANU_S3_BUCKET: "pekanu", PEKANU_S3_CREATE_BUCKET: "true" } : {}),
  };
  const startInstance = async (index: number) => {
    const port = instancePorts[index]!;
    const child = spawn(process.execPath, [`${root}provider-server/src/main.ts`], {
      env: { ...process.env, ...shared, PEKANU_PORT: String(port), PEKANU_INSTANCE_ID: `instance-${index + 1}` },
      stdio: ["ignore", "inherit", "inherit"],
    });
    children.push(child);
    child.once("exit", (code, signal) => {
      if (!stopping) say(`provider instance ${index + 1} exited (${code ?? signal}); the other keeps serving`);
    });
    const url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 180_000; ; ) {
      if (child.exitCode !== null) throw new Error(`provider instance ${index + 1} exited during start-up`);
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`provider instance ${index + 1} not ready in 180 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    say(`provider instance ${index + 1}: ${url} (${elapsed()})`);
    return url;
  };
  // The first deploys the contract (recorded in the shared state); the second attaches to it.
  const urls = [await startInstance(0)];
  for (let i = 1; i < instancePorts.length; i++) urls.push(await startInstance(i));

  await startInfra("haproxy.sh", `${home}/haproxy`, [String(lbPort), ...urls]);
  say(`haproxy: ${lbUrl} → ${urls.join(", ")}`);

  const extensionDir = skipExtension ? undefined : await buildExtension({ root, say, walletExtensionId: process.env.PLASMO_PUBLIC_WALLET_EXTENSION_ID });
  const info = (await (await fetch(`${lbUrl}/v1/info`)).json()) as { contract: { address: `0x${string}` } };
  const publicClient = createPublicClient({ transport: http(chain.rpcUrl) });
  const stake = await publicClient.readContract({ address: info.contract.address, abi: serverContractAbi, functionName: "stake" }).catch(() => undefined);
  const leaders = await Promise.all(urls.map(async (url) => ((await (await fetch(`${url}/healthz`)).json()) as { leader: boolean }).leader));
  printNextSteps({
    say,
    title: "Pekanu local cluster is up",
    providerUrl: lbUrl,
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    contractAddress: info.contract.address,
    stake,
    extensionDir,
    extra: [
      `Instances         ${urls.map((url, i) => `${url}${leaders[i] ? " (leader)" : ""}`).join("   ")}`,
      `State             ${useDatabase ? "PostgreSQL" : `SQLite ${home}/provider/provider.sqlite`}   Blobs ${useS3 ? `Ceph RGW ${s3.PEKANU_S3_ENDPOINT} bucket pekanu` : `disk ${home}/provider/blobs`}`,
    ],
    restartHint: "Ctrl-C stops everything and deletes the cluster's data; each `npm run start:cluster` starts from nothing.",
  });
}

main().catch(async (error: Error & { stderr?: string }) => {
  say(`start:cluster failed: ${error.message.split("\n")[0]}`);
  if (error.stderr) say(error.stderr.slice(-4000));
  await stopAll(1);
});
