// The local chain of `npm start`: Hardhat's in-process EDR served as JSON-RPC over HTTP on
// 127.0.0.1, with every mined block journaled (timestamp + signed transactions) so that running the
// stack again replays the journal into a fresh EDR and resumes the same chain: same contract
// address, balances, orders. EDR has no state persistence of its own (NomicFoundation/edr#409).
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { dirname } from "node:path";
import { network } from "hardhat";
import {
  type Hex,
  type RpcTransaction,
  formatTransaction,
  keccak256,
  serializeTransaction,
} from "viem";

type Eip1193 = { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
type JournalBlock = { number: number; timestamp: number; txs: Hex[] };
/** The journal's first line: the genesis time, so the replayed chain starts from the same block 0. */
type JournalHeader = { genesisTimestamp: number };
type RpcBlock = { number: Hex; timestamp: Hex; transactions: RpcTransaction[] };

export type DevChain = {
  rpcUrl: string;
  chainId: number;
  provider: Eip1193;
  replayedBlocks: number;
  close(): Promise<void>;
};

/** Rebuilds the signed bytes of a mined transaction; checked against its hash. */
function rawTransaction(rpcTx: RpcTransaction): Hex {
  const tx = formatTransaction(rpcTx);
  const { r, s, v, yParity } = tx;
  // viem's formatted transaction calls the calldata `input`; the serializer wants `data`.
  const raw = serializeTransaction({ ...tx, data: tx.input } as never, { r: r!, s: s!, v, yParity } as never);
  if (keccak256(raw) !== tx.hash) throw new Error(`cannot reproduce the signed bytes of transaction ${tx.hash}`);
  return raw;
}

async function readJournal(path: string): Promise<{ header?: JournalHeader; blocks: JournalBlock[] }> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return "";
    throw e;
  });
  const blocks: JournalBlock[] = [];
  let header: JournalHeader | undefined;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let entry: JournalBlock | JournalHeader;
    try {
      entry = JSON.parse(line);
    } catch {
      break; // a line torn by a crash: everything before it is intact
    }
    if ("genesisTimestamp" in entry) header = entry;
    else blocks.push(entry);
  }
  return { header, blocks };
}

export async function startDevChain({
  host = "127.0.0.1",
  port = 8545,
  journalPath,
  blockIntervalMs = 2000,
  log = (line: string) => console.log(line),
}: {
  host?: string;
  port?: number;
  journalPath: string;
  blockIntervalMs?: number;
  log?: (line: string) => void;
}): Promise<DevChain> {
  await mkdir(dirname(journalPath), { recursive: true });
  const { header, blocks: journal } = await readJournal(journalPath);
  const connection = await network.create({
    network: "devchain",
    ...(header ? { override: { initialDate: new Date(header.genesisTimestamp * 1000) } } : {}),
  });
  const provider = connection.provider as unknown as Eip1193;
  if (!header) {
    const genesis = (await provider.request({ method: "eth_getBlockByNumber", params: ["0x0", false] })) as RpcBlock;
    await appendFile(journalPath, `${JSON.stringify({ genesisTimestamp: Number(BigInt(genesis.timestamp)) })}\n`);
  }

  // ── replay ──
  if (journal.length > 0) {
    await provider.request({ method: "evm_setAutomine", params: [false] });
    for (const block of journal) {
      for (const raw of block.txs) await provider.request({ method: "eth_sendRawTransaction", params: [raw] });
      await provider.request({ method: "evm_mine", params: [block.timestamp] });
    }
    await provider.request({ method: "evm_setAutomine", params: [true] });
    log(`replayed ${journal.length} blocks from ${journalPath}`);
  }
  let journaled = journal.at(-1)?.number ?? 0;

  // ── journal every new block, in order ──
  let journaling: Promise<void> = Promise.resolve();
  let lastJournalError = "";
  const journalNewBlocks = () => {
    journaling = journaling.then(async () => {
      const latest = Number(BigInt((await provider.request({ method: "eth_blockNumber" })) as Hex));
      let lines = "";
      for (let n = journaled + 1; n <= latest; n++) {
        const block = (await provider.request({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, true] })) as RpcBlock;
        const entry: JournalBlock = { number: n, timestamp: Number(BigInt(block.timestamp)), txs: block.transactions.map(rawTransaction) };
        lines += `${JSON.stringify(entry)}\n`;
      }
      if (lines) {
        await appendFile(journalPath, lines);
        journaled = latest;
      }
    }).catch((error) => {
      const message = `journal error: ${error instanceof Error ? error.message : error}`;
      if (message !== lastJournalError) log(message);
      lastJournalError = message;
    });
    return journaling;
  };
  // Blocks also advance on their own (interval mining) so confirmations and deadlines move while idle.
  if (blockIntervalMs > 0) await provider.request({ method: "evm_setIntervalMining", params: [blockIntervalMs] });
  const timer = setInterval(journalNewBlocks, Math.max(500, blockIntervalMs));

  const mutating = /^(eth_sendRawTransaction|eth_sendTransaction|evm_mine|hardhat_mine|evm_increaseTime|evm_setNextBlockTimestamp)$/;
  async function handle(body: { id?: unknown; method?: string; params?: unknown[] }) {
    try {
      if (typeof body?.method !== "string") throw Object.assign(new Error("invalid request"), { code: -32600 });
      const result = await provider.request({ method: body.method, params: body.params ?? [] });
      if (mutating.test(body.method)) await journalNewBlocks();
      return { jsonrpc: "2.0", id: body.id ?? null, result };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return {
        jsonrpc: "2.0",
        id: body?.id ?? null,
        error: { code: typeof e.code === "number" ? e.code : -32603, message: e.message ?? String(error), data: e.data },
      };
    }
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "content-type");
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    if (req.method !== "POST") return void res.writeHead(405, { "content-type": "text/plain" }).end("JSON-RPC over POST\n");
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > 5 * 1024 * 1024) return void res.writeHead(413).end();
      chunks.push(chunk);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return void res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
    }
    const answer = Array.isArray(payload) ? await Promise.all(payload.map(handle)) : await handle(payload as never);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;
  const chainId = Number(BigInt((await provider.request({ method: "eth_chainId" })) as Hex));

  return {
    rpcUrl: `http://${host}:${boundPort}`,
    chainId,
    provider,
    replayedBlocks: journal.length,
    async close() {
      clearInterval(timer);
      await journalNewBlocks();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await connection.close?.();
    },
  };
}
