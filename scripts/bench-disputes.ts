// Dispute-throughput benchmark (issue 9, item 9), in ONE run against a hardhat node and the provider
// server as a child process (its memory read from /proc/<pid>/status):
//   (i)  N storage challenges (default 1,000) on N orders of N distinct files, opened together in
//        the same few blocks, then 1-second interval mining (a real chain's rhythm: a node that
//        mines one block per transaction would move its clock a second per answer). Measured: time
//        from the challenges' blocks to the last answer mined, per-answer latency p50 / p99, how
//        many landed before their deadline (the local 60 s response window), the blocks used, and
//        the provider's RSS (peak sampled during the run, and VmHWM).
//  (ii)  a chunk proof of a large file: from the stored tree (file-based variant in @pekanu/protocol/node: one 64 KiB block + a hash per level)
//        against the full-read path it replaces (baseline in the same run): time and bytes read.
//   npm run bench:disputes                  → table
//   npm run bench:disputes -- --json        → JSON
//   npm run bench:disputes -- --quick       → 100 challenges, 64 MiB proof file (smoke run)
//   npm run bench:disputes -- --challenges 500
// Setup (signing in, quoting, paying with payBatch, uploading) is not timed.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type QuoteResponse, serverContractAbi } from "@pekanu/protocol";
import { fileRootOf, nodeSha256, proveFileChunk, writeFileTree } from "@pekanu/protocol/node";
import { type Hex, parseEther, parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  chainClients,
  chainControl,
  type HardhatNode,
  type ProviderProcess,
  signIn,
  startHardhatNode,
  startProviderProcess,
} from "../provider-server/test/support/index.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    challenges: { type: "string" },
  },
});
const quick = args.quick;
const N = Number(args.challenges ?? (quick ? 100 : 1000));
const CLIENTS = Math.min(10, N);
const FILE_BYTES = 64 * 1024;
const PROOF_FILE = (quick ? 64 : 512) * 2 ** 20;
const WINDOW_S = 60;
const MiB = 2 ** 20;

const say = (message: string) => {
  if (!args.json) process.stderr.write(`${message}\n`);
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

async function rssOf(pid: number): Promise<{ rssMB: number; hwmMB: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+)`, "m"))?.[1] ?? 0);
  return { rssMB: round(kb("VmRSS") / 1000), hwmMB: round(kb("VmHWM") / 1000) };
}

/** One client's share: sign in, register, quote its files, pay them in one payBatch, upload each. */
async function prepareClient({ node, server, count }: { node: HardhatNode; server: ProviderProcess; count: number }) {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  await chainControl({ rpcUrl: node.rpcUrl }).call("hardhat_setBalance", [account.address, `0x${parseEther("100").toString(16)}`]);
  const clients = chainClients({ rpcUrl: node.rpcUrl, key });
  const client = await signIn({ baseUrl: server.baseUrl, account });
  await client.register();
  const files = Array.from({ length: count }, () => {
    const bytes = new Uint8Array(randomBytes(FILE_BYTES));
    return { bytes, root: fileRootOf(bytes, { sha256: nodeSha256 }) as Hex };
  });
  const quotes: QuoteResponse[] = [];
  for (const file of files) quotes.push(await client.quote({ fileRoot: file.root, size: FILE_BYTES, storageDays: 2 }));
  // Pay in batches of 50 (one transaction each).
  for (let i = 0; i < quotes.length; i += 50) {
    const part = quotes.slice(i, i + 50);
    const hash = await clients.walletClient.writeContract({
      address: server.contract,
      abi: serverContractAbi,
      functionName: "payBatch",
      args: [part.map((q) => q.quote), part.map((q) => q.signature)],
      value: part.reduce((sum, q) => sum + q.quote.price, 0n),
    });
    const mined = await clients.publicClient.waitForTransactionReceipt({ hash });
    if (mined.status !== "success") throw new Error("payBatch reverted");
  }
  const receipts: { link: string; signature: Hex }[] = [];
  for (let i = 0; i < files.length; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        receipts.push(await client.upload(quotes[i]!.quote.orderId, files[i]!.bytes));
        break;
      } catch (error) {
        if (attempt > 20) throw error;
        await new Promise((r) => setTimeout(r, 200)); // payment not confirmed yet
      }
    }
  }
  return { clients, quotes, receipts };
}

async function throughput() {
  const dir = await mkdtemp(join(tmpdir(), "pekanu-bench-disputes-"));
  let node: HardhatNode | undefined;
  let server: ProviderProcess | undefined;
  try {
    node = await startHardhatNode();
    const control = chainControl({ rpcUrl: node.rpcUrl });
    server = await startProviderProcess({
      rpcUrl: node.rpcUrl,
      dataDir: join(dir, "provider"),
      env: { PEKANU_LOG_LEVEL: "warn", PEKANU_STAKE: "1000", PEKANU_POLL_INTERVAL_MS: "250", PEKANU_COLLECT_INTERVAL_MS: "0", PEKANU_QUOTE_BURST: "1000", PEKANU_QUOTES_PER_MINUTE: "100000" },
    });
    const provider = server;
    say(`setup: ${CLIENTS} clients, ${N} orders of ${FILE_BYTES / 1024} KiB (sign-in, quote, payBatch, upload) …`);
    const shares = Array.from({ length: CLIENTS }, (_, i) => Math.floor(N / CLIENTS) + (i < N % CLIENTS ? 1 : 0));
    const prepared = await Promise.all(shares.map((count) => prepareClient({ node: node!, server: provider, count })));
    const reader = prepared[0]!.clients.publicClient;
    const { challengeBond } = await reader.readContract({ address: provider.contract, abi: serverContractAbi, functionName: "params" });
    const idle = await rssOf(provider.pid);

    say(`opening ${N} challenges in the same blocks (automine off) …`);
    await control.call("evm_setAutomine", [false]);
    const startBlock = await reader.getBlockNumber();
    await Promise.all(
      prepared.map(async ({ clients, quotes, receipts }) => {
        let nonce = await clients.publicClient.getTransactionCount({ address: clients.account.address, blockTag: "pending" });
        for (let i = 0; i < quotes.length; i++) {
          await clients.walletClient.writeContract({
            address: provider.contract,
            abi: serverContractAbi,
            functionName: "challengeStorage",
            args: [quotes[i]!.quote, receipts[i]!.link, receipts[i]!.signature, [BigInt(i % (FILE_BYTES / 1024))]],
            value: challengeBond,
            nonce: nonce++,
            gas: 300_000n,
          });
        }
      }),
    );
    let challenged = 0;
    while (challenged < N) {
      await control.call("evm_mine");
      const logs = await reader.getLogs({ address: provider.contract, fromBlock: startBlock + 1n, toBlock: "latest" });
      challenged = parseEventLogs({ abi: serverContractAbi, logs, eventName: "StorageChallenged" }).length;
    }
    const t0 = Date.now();
    const challengeHead = await reader.getBlockNumber();
    await control.call("evm_setIntervalMining", [1000]);
    say(`${N} challenges open (blocks ${startBlock + 1n}…${challengeHead}); answering …`);

    const deadlines = new Map<Hex, bigint>();
    {
      const logs = await reader.getLogs({ address: provider.contract, fromBlock: startBlock + 1n, toBlock: challengeHead });
      for (const e of parseEventLogs({ abi: serverContractAbi, logs, eventName: "StorageChallenged" })) deadlines.set(e.args.orderId, e.args.deadline);
    }
    const latencies: number[] = [];
    let inTime = 0;
    let late = 0;
    let peakRss = idle.rssMB;
    let scanned = challengeHead;
    const answerBlocks = new Set<bigint>();
    let gasUsed = 0n;
    const stopAt = t0 + (WINDOW_S + 30) * 1000;
    let lastAt = t0;
    while (latencies.length < N && Date.now() < stopAt) {
      await new Promise((r) => setTimeout(r, 100));
      peakRss = Math.max(peakRss, (await rssOf(provider.pid)).rssMB);
      const head = await reader.getBlockNumber();
      if (head <= scanned) continue;
      const seenAt = Date.now();
      const logs = await reader.getLogs({ address: provider.contract, fromBlock: scanned + 1n, toBlock: head });
      for (const e of parseEventLogs({ abi: serverContractAbi, logs, eventName: "StorageProven" })) {
        const block = await reader.getBlock({ blockNumber: e.blockNumber });
        const deadline = deadlines.get(e.args.orderId);
        if (deadline !== undefined && block.timestamp <= deadline) inTime++;
        else late++;
        latencies.push(seenAt - t0);
        lastAt = seenAt;
        if (!answerBlocks.has(e.blockNumber)) {
          answerBlocks.add(e.blockNumber);
          gasUsed += block.gasUsed;
        }
      }
      scanned = head;
    }
    const end = await rssOf(provider.pid);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      challenges: N,
      answered: latencies.length,
      answeredInTime: inTime,
      late,
      responseWindowSeconds: WINDOW_S,
      secondsToAllAnswered: latencies.length === N ? round((lastAt - t0) / 1000, 2) : null,
      latencyP50Ms: sorted.length ? pct(sorted, 50) : null,
      latencyP99Ms: sorted.length ? pct(sorted, 99) : null,
      blocksWithAnswers: answerBlocks.size,
      answersPerBlock: answerBlocks.size ? round(latencies.length / answerBlocks.size, 1) : null,
      gasPerAnswer: latencies.length ? Number(gasUsed / BigInt(latencies.length)) : null,
      rssIdleMB: idle.rssMB,
      rssPeakMB: peakRss,
      vmHwmMB: end.hwmMB,
    };
  } finally {
    await server?.stop().catch(() => {});
    await node?.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** (ii) Proof of one chunk of a large file: stored tree vs. hashing the sibling subtrees from the file. */
async function proofCost() {
  const dir = await mkdtemp(join(tmpdir(), "pekanu-bench-proof-"));
  try {
    const path = join(dir, "file");
    const treePath = join(dir, "file.tree");
    const piece = randomBytes(16 * MiB);
    const parts: Buffer[] = [];
    for (let i = 0; i < PROOF_FILE / piece.length; i++) parts.push(piece);
    await writeFile(path, Buffer.concat(parts));
    const built = Date.now();
    const tree = await writeFileTree({ path, treePath });
    const buildMs = Date.now() - built;
    const chunks = PROOF_FILE / 1024;
    const indices = [0, Math.floor(chunks / 3), chunks - 1];
    const run = async (useTree: boolean) => {
      let ms = 0;
      let bytes = 0;
      for (const index of indices) {
        const start = performance.now();
        const proof = await proveFileChunk({ path, index, treePath: useTree ? treePath : undefined });
        ms += performance.now() - start;
        bytes += proof.bytesRead;
        if (proof.fromTree !== useTree) throw new Error("unexpected proof path");
      }
      return { msPerProof: round(ms / indices.length, 2), bytesReadPerProof: Math.round(bytes / indices.length) };
    };
    const full = await run(false);
    const stored = await run(true);
    return {
      fileMiB: PROOF_FILE / MiB,
      treeBytes: tree.bytes,
      treeBuildMs: buildMs,
      fullRead: full,
      storedTree: stored,
      speedup: round(full.msPerProof / Math.max(stored.msPerProof, 0.01), 0),
      readRatio: round(full.bytesReadPerProof / stored.bytesReadPerProof, 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  const answers = await throughput();
  say(`(ii) proof of one chunk of a ${PROOF_FILE / MiB} MiB file …`);
  const proof = await proofCost();
  const met = { allAnsweredInTime: answers.answeredInTime === N && answers.late === 0 };
  const result = { quick, node: process.version, answers, proof, met };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const a = answers;
  const rows: string[][] = [
    [`(i) ${N} challenges on ${N} orders`, `${a.answered} answered, ${a.answeredInTime} before the deadline`, `all, < ${WINDOW_S} s`, met.allAnsweredInTime ? "yes" : "NO"],
    [`    time to all answered`, a.secondsToAllAnswered === null ? "not all answered" : `${a.secondsToAllAnswered} s`, `< ${WINDOW_S} s`, ""],
    [`    per-answer latency`, `p50 ${a.latencyP50Ms} ms, p99 ${a.latencyP99Ms} ms`, "", ""],
    [`    blocks with answers`, `${a.blocksWithAnswers} (${a.answersPerBlock} answers/block; one per block before)`, "", ""],
    [`    gas per answer`, `${a.gasPerAnswer}`, "", ""],
    [`    provider RSS idle / peak / VmHWM`, `${a.rssIdleMB} / ${a.rssPeakMB} / ${a.vmHwmMB} MB`, "", ""],
    [`(ii) proof, ${proof.fileMiB} MiB file: full read`, `${proof.fullRead.msPerProof} ms, ${proof.fullRead.bytesReadPerProof} bytes read`, "", ""],
    [`     stored tree (${proof.treeBytes} bytes, built in ${proof.treeBuildMs} ms)`, `${proof.storedTree.msPerProof} ms, ${proof.storedTree.bytesReadPerProof} bytes read`, "", ""],
    [`     ratio full / stored`, `×${proof.speedup} time, ×${proof.readRatio} bytes`, "", ""],
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ");
  process.stdout.write(`${line(["measure", "value", "target", "met"])}\n${rows.map(line).join("\n")}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
