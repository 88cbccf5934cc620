// Crashes and outages against a real hardhat node and a real server process: the server is killed
// with SIGKILL (no handler runs) and a new one starts on the same data dir; the RPC endpoint goes
// away behind a TCP proxy and comes back. Nothing paid, uploaded or disputed may be lost, applied
// twice, or answered late.
import { existsSync, readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { orderStateName, type PekanuDomain, type QuoteResponse, receiptFor, serverContractAbi, verifyReceipt } from "@pekanu/protocol";
import { type Hex, parseEventLogs } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { TUNED_NODE_FLAGS } from "../src/tuneMemory.ts";
import { onlyEmbedded, openTestDatabase, stateBackend } from "./support/stateBackend.ts";
import {
  type HardhatNode,
  type ProviderClient,
  type ProviderProcess,
  chainClients,
  chainControl,
  contractReader,
  createProviderClient,
  payQuote,
  signIn,
  startHardhatNode,
  startProviderProcess,
  startTcpProxy,
  type TcpProxy,
  testAccount,
  testFile,
  testKey,
  waitFor,
} from "./support/index.ts";

let node: HardhatNode;
const alice = testAccount(1);
let clients: ReturnType<typeof chainClients>;
/** Every process and proxy a test started, cleaned up even when it fails. */
const running: ProviderProcess[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  node = await startHardhatNode();
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await node?.stop();
});

async function start(options: Parameters<typeof startProviderProcess>[0]): Promise<ProviderProcess> {
  const p = await startProviderProcess(options);
  running.push(p);
  return p;
}

/** SIGKILL: a crash, not a shutdown. */
async function crash(p: ProviderProcess): Promise<void> {
  await p.kill();
  expect(await p.exited).toBe("SIGKILL");
}

const domainOf = (contract: Hex): PekanuDomain => ({ chainId: 31337, verifyingContract: contract });
const stateOf = async (contract: Hex, orderId: Hex) => orderStateName((await contractReader({ rpcUrl: node.rpcUrl, address: contract }).orderOf(orderId))[0]);

async function quoteFor(client: ProviderClient, size: number) {
  const file = testFile(size);
  const quote = await client.quote({ fileRoot: file.root, size, storageDays: 1 });
  return { file, quote };
}

async function clientCall(contract: Hex, functionName: "disputeDelivery", quote: QuoteResponse): Promise<void> {
  const hash = await clients.walletClient.writeContract({ address: contract, abi: serverContractAbi, functionName, args: [quote.quote] });
  expect((await clients.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
}

async function challenge(contract: Hex, quote: QuoteResponse, receipt: { link: string; signature: Hex }): Promise<void> {
  const { challengeBond } = await contractReader({ rpcUrl: node.rpcUrl, address: contract }).params();
  const hash = await clients.walletClient.writeContract({
    address: contract,
    abi: serverContractAbi,
    functionName: "challengeStorage",
    args: [quote.quote, receipt.link, receipt.signature, [0n]],
    value: challengeBond,
  });
  expect((await clients.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
}

/** The contract's events as the node has them (not as any server saw them). */
async function contractEvents(contract: Hex, fromBlock: number) {
  const logs = await clients.publicClient.getLogs({ address: contract, fromBlock: BigInt(fromBlock), toBlock: "latest" });
  return parseEventLogs({ abi: serverContractAbi, logs, strict: true });
}

/** Reads the server's database next to the running server (SQLite's WAL allows a concurrent reader; PostgreSQL is shared). */
async function query<T>(dataDir: string, sql: string): Promise<T[]> {
  const db = await openTestDatabase(dataDir);
  try {
    return await db.all<T>(sql);
  } finally {
    await db.close();
  }
}

async function expectValidReceipt(contract: Hex, quote: QuoteResponse, answer: { link: string; signature: Hex; signer: Hex }) {
  const signer = await contractReader({ rpcUrl: node.rpcUrl, address: contract }).signer();
  expect(answer.signer).toBe(signer);
  verifyReceipt({ domain: domainOf(contract), receipt: receiptFor({ quote: quote.quote, link: answer.link }), signature: answer.signature, signer });
}

describe("faults", () => {
  it("a: killed after a payment and before the upload, the restarted server sees the payment and completes the order", async () => {
    const first = await start({ rpcUrl: node.rpcUrl });
    const client = await signIn({ baseUrl: first.baseUrl, account: alice });
    await client.register();
    const seen = await quoteFor(client, 150_000);
    const unseen = await quoteFor(client, 70_000);
    // One payment the server has confirmed to the client before the crash…
    await payQuote({ clients, contract: first.contract, quote: seen.quote });
    await waitFor(async () => (await client.order(seen.quote.quote.orderId)).payment?.confirmed, { what: "payment confirmed" });
    // …and one mined the moment before the crash, which it can only learn of after the restart.
    await payQuote({ clients, contract: first.contract, quote: unseen.quote });
    await crash(first);
    await chainControl({ rpcUrl: node.rpcUrl }).mine(3);

    const second = await start({ rpcUrl: node.rpcUrl, dataDir: first.dataDir, port: first.port });
    expect(second.contract).toBe(first.contract);
    // main.ts re-executed itself in place with its memory settings (same pid: the one we kill).
    const cmdline = readFileSync(`/proc/${second.pid}/cmdline`, "utf8").split("\0");
    for (const flag of TUNED_NODE_FLAGS) expect(cmdline).toContain(flag);
    // The session and the orders survived the crash.
    const again = createProviderClient({ baseUrl: second.baseUrl, token: client.token });
    for (const { quote, file } of [seen, unseen]) {
      const paid = await waitFor(async () => {
        const order = await again.order(quote.quote.orderId);
        return order.payment?.confirmed ? order : undefined;
      }, { what: "payment seen after the restart" });
      expect(paid.status).toBe("paid");
      expect(paid.receipt).toBeNull();
      const answer = await again.upload(quote.quote.orderId, file.bytes);
      await expectValidReceipt(second.contract, quote, answer);
      expect((await again.order(quote.quote.orderId)).status).toBe("stored");
      const download = await again.download(file.root);
      expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    }
    // The follower applied each payment exactly once, across the crash.
    await waitFor(async () => Number((await query<{ n: number }>(second.dataDir, "SELECT COUNT(*) AS n FROM chain_events WHERE name = 'OrderPaid'"))[0]!.n) === 2, {
      what: "both payments recorded",
    });
    await second.stop();
    expect(await second.exited).toBe(0);
  });

  it.skipIf(stateBackend === "postgres")(`${onlyEmbedded("reads the blob files and tmp/ on disk")}b: killed in the middle of an upload, nothing is kept under a final name, temp is cleaned at start, the retry succeeds`, async () => {
    const first = await start({ rpcUrl: node.rpcUrl });
    const client = await signIn({ baseUrl: first.baseUrl, account: alice });
    await client.register();
    const size = 4 << 20;
    const { file, quote } = await quoteFor(client, size);
    await payQuote({ clients, contract: first.contract, quote });
    await waitFor(async () => (await client.order(quote.quote.orderId)).payment?.confirmed, { what: "payment confirmed" });

    // Half of the bytes, slowly, then the sender stalls.
    const half = size / 2;
    const piece = 64 << 10;
    let offset = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (offset >= half) return new Promise<void>(() => {}); // stall: never more bytes
        await new Promise((r) => setTimeout(r, 5));
        controller.enqueue(file.bytes.slice(offset, offset + piece));
        offset += piece;
      },
    });
    const upload = client
      .request(`/v1/orders/${quote.quote.orderId}/content`, { method: "PUT", headers: { "content-type": "application/octet-stream" }, body })
      .then(
        (response) => ({ response }),
        (error: Error) => ({ error }),
      );
    const tmpDir = join(first.dataDir, "tmp");
    const partial = await waitFor(async () => {
      for (const name of await readdir(tmpDir)) {
        if ((await stat(join(tmpDir, name))).size >= half) return name;
      }
      return undefined;
    }, { what: "half the upload written to tmp" });
    await crash(first);
    const outcome = await upload;
    expect("error" in outcome).toBe(true); // the connection died with the server

    // Nothing under a final name; the partial file is still in tmp/.
    const blobPath = join(first.dataDir, "blobs", file.root);
    expect(existsSync(blobPath)).toBe(false);
    expect(await readdir(join(first.dataDir, "blobs"))).toEqual([]);
    expect(await readdir(tmpDir)).toEqual([partial]);

    const second = await start({ rpcUrl: node.rpcUrl, dataDir: first.dataDir, port: first.port });
    expect(await readdir(tmpDir)).toEqual([]); // emptied at startup
    expect(second.output()).toContain("removed temp files left by an interrupted upload");
    const again = createProviderClient({ baseUrl: second.baseUrl, token: client.token });
    const before = await again.order(quote.quote.orderId);
    expect(before.receipt).toBeNull();
    expect(before.status).toBe("paid");
    expect(Number((await query<{ n: number }>(second.dataDir, "SELECT COUNT(*) AS n FROM files"))[0]!.n)).toBe(0);

    const answer = await again.upload(quote.quote.orderId, file.bytes);
    await expectValidReceipt(second.contract, quote, answer);
    expect((await stat(blobPath)).size).toBe(size);
    const download = await again.download(file.root);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    expect(await readdir(tmpDir)).toEqual([]);
  });

  it("c: the RPC endpoint going away and coming back loses no event and applies none twice", async () => {
    const proxy = await startTcpProxy({ targetPort: node.port });
    proxies.push(proxy);
    const server = await start({ rpcUrl: proxy.url });
    const client = await signIn({ baseUrl: server.baseUrl, account: alice });
    await client.register();
    const info = await client.info();
    const [one, two, stored, unsent] = [await quoteFor(client, 3000), await quoteFor(client, 5000), await quoteFor(client, 20_000), await quoteFor(client, 4000)];
    await payQuote({ clients, contract: server.contract, quote: stored.quote });
    await payQuote({ clients, contract: server.contract, quote: unsent.quote });
    const storedReceipt = await waitFor(() => client.upload(stored.quote.quote.orderId, stored.file.bytes), { what: "upload accepted" });

    // The RPC goes away: the server notices, keeps serving, and answers 503 where it needs the chain.
    await proxy.close();
    await waitFor(async () => {
      const health = (await (await fetch(`${server.baseUrl}/healthz`)).json()) as { chainReachable: boolean };
      return health.chainReachable === false;
    }, { what: "outage noticed" });

    // Meanwhile clients act directly on the node: two payments, a dispute, a challenge.
    await payQuote({ clients, contract: server.contract, quote: one.quote });
    await payQuote({ clients, contract: server.contract, quote: two.quote });
    await clientCall(server.contract, "disputeDelivery", unsent.quote);
    await challenge(server.contract, stored.quote, storedReceipt);
    await chainControl({ rpcUrl: node.rpcUrl }).mine(5);
    const during = await client.request(`/v1/orders/${one.quote.quote.orderId}/content`, {
      method: "PUT",
      headers: { "content-type": "application/octet-stream" },
      body: one.file.bytes,
    });
    expect(during.status).toBe(503);
    expect((during.json as { error: { code: string } }).error.code).toBe("ChainUnavailable");
    await new Promise((r) => setTimeout(r, 1500)); // several failed polls: the follower is backing off

    await proxy.open();
    // Everything that happened is processed: both payments, the refund, the proof.
    await waitFor(async () => (await stateOf(server.contract, unsent.quote.quote.orderId)) === "Refunded", { what: "dispute refunded", timeoutMs: 40_000 });
    await waitFor(async () => (await stateOf(server.contract, stored.quote.quote.orderId)) === "Paid", { what: "challenge answered", timeoutMs: 40_000 });
    for (const { quote, file } of [one, two]) {
      await waitFor(async () => (await client.order(quote.quote.orderId)).payment?.confirmed, { what: "payment seen" });
      await expectValidReceipt(server.contract, quote, await client.upload(quote.quote.orderId, file.bytes));
    }
    const head = Number(await clients.publicClient.getBlockNumber());
    await waitFor(async () => {
      const status = (await (await fetch(`${server.baseUrl}/v1/status`)).json()) as { chain: { lastProcessedBlock: number; reachable: boolean } };
      return status.chain.reachable && status.chain.lastProcessedBlock >= head;
    }, { what: "caught up" });

    // Exactly once: the server's event table is the node's event list, one row per log.
    const onChain = await contractEvents(server.contract, info.contract.deployBlock);
    const recorded = await query<{ block_number: number; log_index: number; name: string; tx_hash: string }>(
      server.dataDir,
      "SELECT block_number, log_index, name, tx_hash FROM chain_events ORDER BY block_number, log_index",
    );
    expect(recorded.map((e) => [e.block_number, e.log_index, e.name])).toEqual(onChain.map((e) => [Number(e.blockNumber), Number(e.logIndex), e.eventName]));
    const count = (name: string) => recorded.filter((e) => e.name === name).length;
    expect(count("OrderPaid")).toBe(4);
    expect(count("DeliveryDisputed")).toBe(1);
    expect(count("OrderRefunded")).toBe(1);
    expect(count("StorageChallenged")).toBe(1);
    expect(count("StorageProven")).toBe(1);
    // One task per dispute, each done with one transaction.
    const tasks = await query<{ kind: string; order_id: string; status: string; tx_hash: string | null }>(server.dataDir, "SELECT kind, order_id, status, tx_hash FROM tasks ORDER BY id");
    expect(tasks.map((t) => [t.kind, t.order_id, t.status])).toEqual([
      ["answerDeliveryDispute", unsent.quote.quote.orderId, "done"],
      ["answerStorageChallenge", stored.quote.quote.orderId, "done"],
    ]);
    expect(tasks[0]!.tx_hash).toBe(recorded.find((e) => e.name === "OrderRefunded")!.tx_hash);
    expect(tasks[1]!.tx_hash).toBe(recorded.find((e) => e.name === "StorageProven")!.tx_hash);
    const status = (await (await fetch(`${server.baseUrl}/v1/status`)).json()) as { orders: { stored: number; byChainState: Record<string, number> } };
    expect(status.orders.stored).toBe(3);
    expect(status.orders.byChainState).toEqual({ Paid: 3, Refunded: 1 });
  });

  it("d: a delivery dispute and a storage challenge raised while the server is down are answered after the restart, in time", async () => {
    const first = await start({ rpcUrl: node.rpcUrl });
    const client = await signIn({ baseUrl: first.baseUrl, account: alice });
    await client.register();
    const info = await client.info();
    const disputed = await quoteFor(client, 6000);
    const challenged = await quoteFor(client, 30_000);
    const receipts: Record<string, { link: string; signature: Hex; signer: Hex }> = {};
    for (const { quote, file } of [disputed, challenged]) {
      await payQuote({ clients, contract: first.contract, quote });
      receipts[quote.quote.orderId] = await waitFor(() => client.upload(quote.quote.orderId, file.bytes), { what: "upload accepted" });
    }
    await crash(first);
    await clientCall(first.contract, "disputeDelivery", disputed.quote);
    await challenge(first.contract, challenged.quote, receipts[challenged.quote.quote.orderId]!);
    expect(await stateOf(first.contract, disputed.quote.quote.orderId)).toBe("DeliveryDisputed");
    expect(await stateOf(first.contract, challenged.quote.quote.orderId)).toBe("Challenged");
    await chainControl({ rpcUrl: node.rpcUrl }).mine(2);

    await start({ rpcUrl: node.rpcUrl, dataDir: first.dataDir, port: first.port });
    for (const { quote } of [disputed, challenged]) {
      await waitFor(async () => (await stateOf(first.contract, quote.quote.orderId)) === "Paid", { what: "answered on chain", timeoutMs: 30_000 });
      const [deadline] = await contractReader({ rpcUrl: node.rpcUrl, address: first.contract }).pendingOf(quote.quote.orderId);
      expect(deadline).toBe(0n);
    }
    const events = await contractEvents(first.contract, info.contract.deployBlock);
    const only = (name: string, orderId: Hex) => {
      const found = events.filter((e) => e.eventName === name && (e.args as { orderId: Hex }).orderId.toLowerCase() === orderId);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const blockTime = async (blockNumber: bigint) => (await clients.publicClient.getBlock({ blockNumber })).timestamp;
    const dispute = only("DeliveryDisputed", disputed.quote.quote.orderId);
    const published = only("ReceiptPublished", disputed.quote.quote.orderId);
    expect((published.args as { link: string }).link).toBe(receipts[disputed.quote.quote.orderId]!.link);
    expect(await blockTime(published.blockNumber)).toBeLessThanOrEqual((dispute.args as { deadline: bigint }).deadline);
    const challengeEvent = only("StorageChallenged", challenged.quote.quote.orderId);
    const proven = only("StorageProven", challenged.quote.quote.orderId);
    expect((proven.args as unknown as { chunkIndices: readonly bigint[] }).chunkIndices).toEqual((challengeEvent.args as unknown as { chunkIndices: readonly bigint[] }).chunkIndices);
    expect(await blockTime(proven.blockNumber)).toBeLessThanOrEqual((challengeEvent.args as { deadline: bigint }).deadline);
  });
});
