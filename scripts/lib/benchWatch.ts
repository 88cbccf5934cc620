// The watchtower's cost, for bench:extension: one scheduled check of one file (4 random chunks,
// each fetched from a provider's audit endpoint over real HTTP and verified against the root by
// the extension's own code: lib/watch/checkFile.ts → verifyAuditAnswer), measured in Node: client
// CPU time (process.cpuUsage, the provider's work excluded: it runs in a child process) and bytes
// fetched (response bodies). A round over N files is COMPUTED from the per-check measurements
// (N × per-check), not run against N stored files.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fileRootOf } from "@pekanu/protocol/merkle";
import { checkFile, randomChunkIndices } from "../../extension/src/lib/watch/checkFile.ts";

export type WatchCost = { size: number; chunksPerCheck: number; checks: number; cpuMsPerCheck: number; wallMsPerCheck: number; bytesPerCheck: number; proofLevels: number };

/** Starts the audit server child for a file of `size` random bytes; returns its URL and root. */
async function startServer(size: number): Promise<{ url: string; root: string; stop: () => void }> {
  const child = fork(fileURLToPath(new URL("./benchWatchServer.ts", import.meta.url)), [String(size)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const { port, root } = await new Promise<{ port: number; root: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { port: number; root: string }));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`audit server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, root, stop: () => child.kill() };
}

export async function measureWatchCheck({ size, checks = 200, chunksPerCheck = 4 }: { size: number; checks?: number; chunksPerCheck?: number }): Promise<WatchCost> {
  const server = await startServer(size);
  try {
    const record = { link: `${server.url}/v1/files/${server.root}`, fileRoot: server.root as `0x${string}`, size };
    // warm-up
    for (let i = 0; i < 10; i++) await checkFile({ record, indices: randomChunkIndices(size, chunksPerCheck), token: "t" });
    let bytes = 0;
    let proofLevels = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < checks; i++) {
      const outcome = await checkFile({ record, indices: randomChunkIndices(size, chunksPerCheck), token: "t" });
      if (outcome.kind !== "ok") throw new Error(`bench check not ok: ${JSON.stringify(outcome)}`);
      bytes += outcome.bytes;
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    proofLevels = Math.ceil(Math.log2(Math.max(1, Math.ceil(size / 1024))));
    return { size, chunksPerCheck, checks, cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / checks, wallMsPerCheck: wall / checks, bytesPerCheck: bytes / checks, proofLevels };
  } finally {
    server.stop();
  }
}

export { fileRootOf, randomBytes };
