// File commitment speed against `sha256sum`, and peak memory, on a large temporary file.
//   npm run bench:merkle                        → table (1 GiB file)
//   npm run bench:merkle -- --json              → JSON
//   node scripts/bench-merkle.ts --size-mib 64  → smaller file
// The file is pseudo-random data written in 8 MiB pieces to the OS temp dir and deleted at the end.
// Both measurements run in child processes and include process start-up; the file was just written,
// so both read it from the page cache. `fileCommitment` runs in a fresh `node` (this script in
// --worker mode), which reports its peak RSS (getrusage maxRSS and /proc/self/status VmHWM).
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fileCommitment } from "@pekanu/protocol/node";

const RSS_TARGET_MIB = 150;
const PIECE = 8 << 20;

type WorkerResult = {
  root: string;
  size: number;
  chunks: number;
  seconds: number;
  /** RSS before hashing: Node itself, type stripping and the imported modules. */
  baselineRssMiB: number;
  maxRssMiB: number;
  vmHwmMiB: number | null;
};

async function worker(path: string): Promise<void> {
  const baselineRssMiB = process.memoryUsage().rss / 2 ** 20;
  const start = performance.now();
  const { root, size, chunks } = await fileCommitment({ path });
  const seconds = (performance.now() - start) / 1000;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024; // KiB on Linux
  let vmHwmMiB: number | null = null;
  try {
    const match = readFileSync("/proc/self/status", "utf8").match(/^VmHWM:\s+(\d+)\s+kB/m);
    if (match) vmHwmMiB = Number(match[1]) / 1024;
  } catch {
    // Not Linux.
  }
  const result: WorkerResult = { root, size, chunks, seconds, baselineRssMiB, maxRssMiB, vmHwmMiB };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Writes `bytes` of xorshift128 output (deterministic seed) in 8 MiB pieces. */
function writeRandomFile(path: string, bytes: number): void {
  const piece = new Uint32Array(PIECE / 4);
  const view = new Uint8Array(piece.buffer);
  let x = 0x9e3779b9;
  let y = 0x243f6a88;
  let z = 0xb7e15162;
  let w = 0x12345678;
  const fd = openSync(path, "w");
  try {
    for (let written = 0; written < bytes; ) {
      for (let i = 0; i < piece.length; i++) {
        const t = x ^ (x << 11);
        x = y;
        y = z;
        z = w;
        w = w ^ (w >>> 19) ^ (t ^ (t >>> 8));
        piece[i] = w;
      }
      const n = Math.min(PIECE, bytes - written);
      for (let off = 0; off < n; ) off += writeSync(fd, view, off, n - off);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
}

function timed<T>(run: () => T): { seconds: number; value: T } {
  const start = performance.now();
  const value = run();
  return { seconds: (performance.now() - start) / 1000, value };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: "boolean", default: false },
      "size-mib": { type: "string", default: "1024" },
      worker: { type: "string" },
    },
  });
  if (values.worker !== undefined) return worker(values.worker);

  const json = values.json;
  const log = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
  const sizeMiB = Number(values["size-mib"]);
  if (!Number.isSafeInteger(sizeMiB) || sizeMiB < 1) {
    process.stderr.write(`bench-merkle: --size-mib must be a positive integer, got '${values["size-mib"]}'\n`);
    process.exit(2);
  }
  const bytes = sizeMiB * 1024 * 1024;
  const dir = mkdtempSync(join(tmpdir(), "pekanu-bench-merkle-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });

  try {
    const file = join(dir, "data.bin");
    log(`writing ${sizeMiB} MiB of pseudo-random data to ${file} …`);
    const write = timed(() => writeRandomFile(file, bytes));
    log(`written in ${write.seconds.toFixed(2)} s`);

    log("sha256sum …");
    const sum = timed(() => spawnSync("sha256sum", [file], { encoding: "utf8" }));
    const sha256sum =
      sum.value.status === 0
        ? { seconds: sum.seconds, digest: sum.value.stdout.split(/\s+/)[0]! }
        : (log(`sha256sum unavailable: ${sum.value.error?.message ?? sum.value.stderr}`), null);

    log("fileCommitment (child node process) …");
    const script = fileURLToPath(import.meta.url);
    const run = timed(() => spawnSync(process.execPath, [script, "--worker", file], { encoding: "utf8", maxBuffer: 1 << 20 }));
    if (run.value.status !== 0) throw new Error(`fileCommitment worker failed: ${run.value.stderr || run.value.error?.message}`);
    const result = JSON.parse(run.value.stdout) as WorkerResult;
    if (result.size !== bytes) throw new Error(`worker hashed ${result.size} bytes, expected ${bytes}`);

    const mbps = (seconds: number) => bytes / 1e6 / seconds;
    const peakRssMiB = Math.max(result.maxRssMiB, result.vmHwmMiB ?? 0);
    const report = {
      bytes,
      sizeMiB,
      sha256sum: sha256sum && { seconds: sha256sum.seconds, mbPerSecond: mbps(sha256sum.seconds), digest: sha256sum.digest },
      fileCommitment: {
        seconds: run.seconds,
        mbPerSecond: mbps(run.seconds),
        inProcessSeconds: result.seconds,
        root: result.root,
        chunks: result.chunks,
        peakRssMiB,
        baselineRssMiB: result.baselineRssMiB,
        maxRssMiB: result.maxRssMiB,
        vmHwmMiB: result.vmHwmMiB,
      },
      ratio: sha256sum ? run.seconds / sha256sum.seconds : null,
      rssTargetMiB: RSS_TARGET_MIB,
      rssTargetMet: peakRssMiB < RSS_TARGET_MIB,
      node: process.version,
    };

    if (json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const pad = (s: string | number, w: number) => String(s).padEnd(w);
      console.log(`${pad("measure", 32)}${pad("seconds", 10)}${pad("MB/s", 10)}note`);
      if (sha256sum) console.log(`${pad("sha256sum", 32)}${pad(sha256sum.seconds.toFixed(2), 10)}${pad(mbps(sha256sum.seconds).toFixed(0), 10)}plain SHA-256 of the file`);
      console.log(
        `${pad("fileCommitment", 32)}${pad(run.seconds.toFixed(2), 10)}${pad(mbps(run.seconds).toFixed(0), 10)}child process wall time (in-process ${result.seconds.toFixed(2)} s)`,
      );
      console.log(`${pad("bytes", 32)}${bytes} (${sizeMiB} MiB, ${result.chunks} chunks)`);
      if (report.ratio !== null) console.log(`${pad("ratio fileCommitment/sha256sum", 32)}${report.ratio.toFixed(2)}×`);
      console.log(`${pad("peak RSS (fileCommitment)", 32)}${peakRssMiB.toFixed(1)} MiB (target < ${RSS_TARGET_MIB}) ${report.rssTargetMet ? "yes" : "NO"}; ${result.baselineRssMiB.toFixed(1)} MiB before hashing`);
      console.log(`${pad("root", 32)}${result.root}`);
    }
  } finally {
    cleanup();
  }
}

await main();
