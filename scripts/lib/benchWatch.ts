// The watchtower's cost, for bench:extension, against the REAL provider server (a child process,
// hardhat node, files quoted, paid on chain and uploaded as a client does): scheduled checks run
// by the extension's own code (lib/watch/checkFile.ts: one GET {L}/audit-batch answer per file,
// the 4 chunks and one deduplicated proof, verified with verifyMultiProof) in this Node process.
//   • per check of one file, for 64 KiB, 1 MiB and 16 MiB files: client CPU time
//     (process.cpuUsage; the server's work is in its own process), wall time, bytes fetched (response
//     bodies, and response headers separately), against the older JSON route (one request per
//     chunk, base64 chunk + hex proof) measured in the same run as the baseline;
//   • a ROUND: 10,000 checks in a row, one per vault record, each record a stored order of one of
//     the stored 1 MiB files (the server holds `distinctFiles` of them; 10,000 distinct uploads would
//     take the chain and disk longer than the bench should), the same work per check as 10,000
//     distinct files on the client side; the server reads its blobs from the page cache.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRootOf, nodeSha256 } from "@pekanu/protocol/node";
import type { Hex } from "viem";
import { checkFile, randomChunkIndices } from "../../extension/src/lib/watch/checkFile.ts";
import { chainClients, payQuote, signIn, startHardhatNode, startProviderProcess, testAccount, testKey } from "../../provider-server/test/support/index.ts";

export type WatchCost = {
  size: number;
  checks: number;
  cpuMsPerCheck: number;
  wallMsPerCheck: number;
  bodyBytesPerCheck: number;
  headerBytesPerCheck: number;
  requestsPerCheck: number;
};

export type WatchBench = {
  perCheck: { binary: WatchCost; json: WatchCost }[];
  round: WatchCost & { files: number; distinctFiles: number; cpuMin: number; wallMin: number; bodyMiB: number; wireMiB: number };
};

type Stored = { link: string; fileRoot: Hex; size: number };

/** A fetch that counts response bodies, response headers (status line + "name: value\r\n") and requests. */
function countingFetch() {
  const totals = { body: 0, headers: 0, requests: 0 };
  const impl: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    totals.requests++;
    totals.body += body.byteLength;
    let h = `HTTP/1.1 ${response.status} ${response.statusText}\r\n`.length + 2;
    response.headers.forEach((value, name) => (h += name.length + value.length + 4));
    totals.headers += h;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  return { totals, impl };
}

/** Answers 404 to audit-batch, as a server without the route: checkFile then uses the JSON route. */
function withoutBatch(inner: typeof fetch): typeof fetch {
  return async (input, init) =>
    String(input).includes("/audit-batch")
      ? new Response(JSON.stringify({ error: { code: "NotFound", message: "no route" } }), { status: 404, headers: { "content-type": "application/json" } })
      : inner(input, init);
}

async function run({ records, checks, token, json = false, chunks = 4 }: { records: Stored[]; checks: number; token: string; json?: boolean; chunks?: number }): Promise<WatchCost> {
  const counter = countingFetch();
  const f = json ? withoutBatch(counter.impl) : counter.impl;
  // JSON baseline on its own origin name (checkFile remembers per origin that batches are refused).
  const relink = (r: Stored) => (json ? { ...r, link: r.link.replace("127.0.0.1", "localhost") } : r);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < checks; i++) {
    const record = relink(records[i % records.length]!);
    const outcome = await checkFile({ record, indices: randomChunkIndices(record.size, chunks), token, fetch: f });
    if (outcome.kind !== "ok") throw new Error(`bench check not ok: ${JSON.stringify(outcome)}`);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    size: records[0]!.size,
    checks,
    cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / checks,
    wallMsPerCheck: wall / checks,
    bodyBytesPerCheck: counter.totals.body / checks,
    headerBytesPerCheck: counter.totals.headers / checks,
    requestsPerCheck: counter.totals.requests / checks,
  };
}

export async function measureWatch({ sizes = [64 * 1024, 1024 * 1024, 16 * 1024 * 1024], checks = 200, roundFiles = 10_000, roundSize = 1024 * 1024, distinctFiles = 20, log = (_: string) => {} } = {}): Promise<WatchBench> {
  const dir = await mkdtemp(join(tmpdir(), "pekanu-bench-watch-"));
  const node = await startHardhatNode();
  const server = await startProviderProcess({ rpcUrl: node.rpcUrl, dataDir: join(dir, "data"), env: { PEKANU_LOG_LEVEL: "warn", PEKANU_QUOTE_BURST: "100000" } });
  try {
    const client = await signIn({ baseUrl: server.baseUrl, account: testAccount(3) });
    await client.register();
    const clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(3) });
    const store = async (size: number): Promise<Stored> => {
      const bytes = new Uint8Array(randomBytes(size));
      const fileRoot = fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;
      const quote = await client.quote({ fileRoot, size, storageDays: 30 });
      await payQuote({ clients, contract: server.contract, quote });
      for (let i = 0; ; i++) {
        if ((await client.order(quote.quote.orderId)).payment?.confirmed) break;
        if (i > 600) throw new Error("payment not confirmed");
        await new Promise((r) => setTimeout(r, 50));
      }
      const receipt = await client.upload(quote.quote.orderId, bytes);
      return { link: receipt.link, fileRoot, size };
    };
    log(`  storing ${sizes.length} files and ${distinctFiles} of ${roundSize / 1024} KiB on the real server…`);
    const single: Stored[] = [];
    for (const size of sizes) single.push(await store(size));
    const roundRecords: Stored[] = [];
    for (let i = 0; i < distinctFiles; i++) roundRecords.push(await store(roundSize));
    const token = client.token;
    // Warm-up (JIT, connections).
    await run({ records: single, checks: 30, token });
    await run({ records: single, checks: 30, token, json: true });
    const perCheck: WatchBench["perCheck"] = [];
    for (const record of single) {
      const binary = await run({ records: [record], checks, token });
      const json = await run({ records: [record], checks, token, json: true });
      perCheck.push({ binary, json });
    }
    log(`  a round of ${roundFiles} checks (4 chunks each) against the server…`);
    const round = await run({ records: roundRecords, checks: roundFiles, token });
    return {
      perCheck,
      round: {
        ...round,
        files: roundFiles,
        distinctFiles,
        cpuMin: (round.cpuMsPerCheck * roundFiles) / 60_000,
        wallMin: (round.wallMsPerCheck * roundFiles) / 60_000,
        bodyMiB: (round.bodyBytesPerCheck * roundFiles) / 1048576,
        wireMiB: ((round.bodyBytesPerCheck + round.headerBytesPerCheck) * roundFiles) / 1048576,
      },
    };
  } finally {
    await server.stop().catch(() => undefined);
    await node.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
