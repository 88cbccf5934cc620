// Three provider instances (real processes) over one shared state and one blob store, against a real
// hardhat node: any instance serves any request, an upload cut by a SIGKILL resumes on the other
// without resending the saved prefix, a killed leader's open dispute is answered by the other
// before its deadline with exactly one answer on chain, and two instances racing on one order
// issue one σ. Runs in the `server-scale` project: the state is one PostgreSQL database (the data
// dir's, test/support/stateBackend.ts) and the blobs one Ceph RGW bucket, shared by the instances.
import { orderStateName, receiptFor, serverContractAbi, verifyReceipt } from "@pekanu/protocol";
import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { SEGMENT_SIZE } from "../src/blobs/BlobStore.ts";
import { s3Target } from "./support/s3Target.ts";
import { openTestDatabase, stateBackend } from "./support/stateBackend.ts";
import {
  chainClients,
  createProviderClient,
  type HardhatNode,
  payQuote,
  type ProviderClient,
  type ProviderProcess,
  signIn,
  startHardhatNode,
  startProviderProcess,
  testAccount,
  testFile,
  testKey,
  waitFor,
} from "./support/index.ts";

const LEADER_LEASE_MS = 1500;
const { target } = s3Target();
const clusterEnv: Record<string, string> = {
  ...(target
    ? {
        PEKANU_BLOB_STORE: "s3",
        PEKANU_S3_ENDPOINT: target.endpoint,
        PEKANU_S3_BUCKET: `pekanu-cluster-${randomBytes(4).toString("hex")}`,
        PEKANU_S3_CREATE_BUCKET: "true",
        PEKANU_S3_ACCESS_KEY_ID: target.accessKeyId,
        PEKANU_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
      }
    : {}),
  PEKANU_LEADER_LEASE_MS: String(LEADER_LEASE_MS),
  PEKANU_UPLOAD_LEASE_MS: "1000",
  PEKANU_COLLECT_INTERVAL_MS: "0",
};

let node: HardhatNode;
let clients: ReturnType<typeof chainClients>;
let dataDir: string;
const instances: ProviderProcess[] = [];
const alice = testAccount(1);

const start = async (name: string) => {
  const instance = await startProviderProcess({ rpcUrl: node.rpcUrl, dataDir, env: { ...clusterEnv, PEKANU_INSTANCE_ID: name }, timeoutMs: 120_000 });
  instances.push(instance);
  return instance;
};

type Health = { instance: string; leader: boolean };
const health = async (p: ProviderProcess): Promise<Health> => (await (await fetch(`${p.baseUrl}/healthz`)).json()) as Health;

/** One row from the instances' shared database (PostgreSQL or the SQLite file), read as the tests' own client. */
const query = async <T>(sql: string, ...params: (string | number)[]): Promise<T | undefined> => {
  const db = await openTestDatabase(dataDir);
  try {
    return await db.get<T>(sql, params);
  } finally {
    await db.close();
  }
};
const count = async (sql: string, ...params: (string | number)[]) => Number((await query<{ n: number | string }>(sql, ...params))?.n);

async function paidOrder(c: ProviderClient, contract: Hex, size: number) {
  const file = testFile(size);
  const quote = await c.quote({ fileRoot: file.root, size, storageDays: 2 });
  await payQuote({ clients, contract, quote });
  await waitFor(async () => (await c.order(quote.quote.orderId)).payment?.confirmed, { what: "payment confirmed" });
  return { file, orderId: quote.quote.orderId, quote };
}

const expectSigned = (contract: Hex, quote: Awaited<ReturnType<typeof paidOrder>>["quote"], answer: { link: string; signature: Hex; signer: Hex }) => {
  expect(answer.signer).toBe(testAccount(9).address);
  verifyReceipt({ domain: { chainId: 31337, verifyingContract: contract }, receipt: receiptFor({ quote: quote.quote, link: answer.link }), signature: answer.signature, signer: answer.signer });
};

const TUS = { "tus-resumable": "1.0.0", "content-type": "application/offset+octet-stream" };
const contentPath = (orderId: Hex) => `/v1/orders/${orderId}/content`;

/** A body that hands `bytes` to fetch in pieces, counting them, then never ends. */
function stallingStream(bytes: Uint8Array, piece = 256 << 10) {
  const counter = { sent: 0 };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (counter.sent >= bytes.length) return new Promise<void>(() => {});
      const next = bytes.subarray(counter.sent, Math.min(bytes.length, counter.sent + piece));
      counter.sent += next.length;
      controller.enqueue(next);
    },
  });
  return { stream, counter };
}

let a: ProviderProcess;
let b: ProviderProcess;
let c: ProviderProcess;

/** Which of B and C holds the lease now (A is dead by then). */
const roles = () =>
  waitFor(
    async () => {
      const leads = await Promise.all([b, c].map(async (p) => (await health(p)).leader));
      const i = leads.indexOf(true);
      return i < 0 || leads.filter(Boolean).length > 1 ? undefined : { leader: [b, c][i]!, other: [b, c][1 - i]! };
    },
    { what: "exactly one leader among B and C", timeoutMs: 30_000 },
  );
let contract: Hex;

beforeAll(async () => {
  node = await startHardhatNode();
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  // A deploys the contract and takes the lease; B attaches to the same state as a follower.
  a = await start("a");
  dataDir = a.dataDir;
  await waitFor(async () => (await health(a)).leader, { what: "a leads" });
  [b, c] = await Promise.all([start("b"), start("c")]);
  contract = a.contract;
  expect(b.contract).toBe(contract);
  expect(c.contract).toBe(contract);
}, 300_000);

afterAll(async () => {
  await Promise.all(instances.map((p) => p.kill()));
  await node?.stop();
});

describe(`instances over one state (${stateBackend === "postgres" ? "PostgreSQL" : "one SQLite file"}, blobs: ${target ? "Ceph RGW" : "shared disk"})`, () => {
  it("exactly one leader; an upload through A downloads through B", async () => {
    expect(await health(a)).toEqual(expect.objectContaining({ instance: "a", leader: true }));
    expect(await health(b)).toEqual(expect.objectContaining({ instance: "b", leader: false }));
    expect(await health(c)).toEqual(expect.objectContaining({ instance: "c", leader: false }));
    // Sign in on A, register and quote through B: sessions and quotes are rows, not memory.
    const viaA = await signIn({ baseUrl: a.baseUrl, account: alice });
    const viaB = createProviderClient({ baseUrl: b.baseUrl, token: viaA.token });
    await viaB.register();
    const { file, quote, orderId } = await paidOrder(viaB, contract, 70_000);
    const receipt = await viaA.upload(orderId, file.bytes);
    expectSigned(contract, quote, receipt);
    const download = await viaB.download(file.root);
    expect(download.status).toBe(200);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    expect((await viaB.order(orderId)).receipt?.signature).toBe(receipt.signature);
  });

  it("two instances racing on the same order produce one σ", async () => {
    const viaA = await signIn({ baseUrl: a.baseUrl, account: alice });
    const viaB = createProviderClient({ baseUrl: b.baseUrl, token: viaA.token });
    const { file, quote, orderId } = await paidOrder(viaA, contract, 300_000);
    const answers = await Promise.all(
      [viaA, viaB, viaA, viaB].map((c) => c.request(contentPath(orderId), { method: "PUT", headers: { "content-type": "application/octet-stream" }, body: file.bytes })),
    );
    const statuses = answers.map((r) => r.status);
    // A request that found another one receiving the order is refused (409); every 200 is the same σ.
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const signed = answers.filter((r) => r.status === 200).map((r) => r.json as { link: string; signature: Hex; signer: Hex });
    expect(signed.length).toBeGreaterThan(0);
    expect(new Set(signed.map((s) => s.signature)).size).toBe(1);
    expectSigned(contract, quote, signed[0]!);
    const stored = await query<{ receipt_signature: string }>("SELECT receipt_signature FROM orders WHERE order_id = ?", orderId);
    expect(stored?.receipt_signature).toBe(signed[0]!.signature);
    // Once σ exists, any instance answers that σ.
    for (const c of [viaA, viaB]) expect((await c.upload(orderId, file.bytes)).signature).toBe(signed[0]!.signature);
    expect(await count("SELECT COUNT(*) AS n FROM uploads WHERE order_id = ?", orderId)).toBe(0);
  });

  it("the leader killed mid-upload: the client resumes through the other instance without resending the saved prefix, and the other instance takes over the chain work", async () => {
    const viaA = await signIn({ baseUrl: a.baseUrl, account: alice });
    const size = 2 * SEGMENT_SIZE + 5000;
    const { file, quote, orderId } = await paidOrder(viaA, contract, size);
    const firstPart = file.bytes.slice(0, SEGMENT_SIZE + SEGMENT_SIZE / 2);
    const sending = stallingStream(firstPart);
    const upload = viaA
      .request(contentPath(orderId), { method: "PATCH", headers: { ...TUS, "upload-offset": "0" }, body: sending.stream })
      .catch((error: Error) => ({ error }));
    const saved = async () => Number((await query<{ o: number }>("SELECT upload_offset AS o FROM uploads WHERE order_id = ?", orderId))?.o ?? 0);
    await waitFor(async () => (await saved()) >= SEGMENT_SIZE && sending.counter.sent === firstPart.length, { what: "one segment saved", timeoutMs: 120_000 });
    await a.kill();
    expect(await a.exited).toBe("SIGKILL");
    expect("error" in (await upload)).toBe(true);

    const viaB = createProviderClient({ baseUrl: b.baseUrl, token: viaA.token });
    const head = await viaB.request(contentPath(orderId), { method: "HEAD", headers: { "tus-resumable": "1.0.0" } });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get("upload-offset"));
    expect(offset).toBe(SEGMENT_SIZE);
    const resent = sending.counter.sent - offset;
    expect(resent).toBeLessThanOrEqual(SEGMENT_SIZE);
    // The dead writer's upload lease runs out (1 s); then the rest goes through B.
    const done = await waitFor(
      async () => {
        const response = await viaB.request(contentPath(orderId), { method: "PATCH", headers: { ...TUS, "upload-offset": String(offset) }, body: file.bytes.slice(offset) });
        return response.status === 409 ? undefined : response;
      },
      { what: "resumed PATCH accepted", timeoutMs: 60_000 },
    );
    expect(done.status).toBe(200);
    expectSigned(contract, quote, done.json as { link: string; signature: Hex; signer: Hex });
    // The client sent the file once plus at most one segment.
    expect(sending.counter.sent + (size - offset) - size).toBe(resent);
    const download = await viaB.download(file.root);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    // B or C took the lease over from the dead A.
    await roles();
  });

  it("a frozen leader that wakes after another took over steps down and sends nothing", async () => {
    const { leader, other } = await roles();
    const viaOther = await signIn({ baseUrl: other.baseUrl, account: alice });
    const { file, quote, orderId } = await paidOrder(viaOther, contract, 20_000);
    await viaOther.upload(orderId, file.bytes);
    process.kill(leader.pid, "SIGSTOP");
    const hash = await clients.walletClient.writeContract({ address: contract, abi: serverContractAbi, functionName: "disputeDelivery", args: [quote.quote] });
    const disputed = await clients.publicClient.waitForTransactionReceipt({ hash });
    await waitFor(
      async () => (await clients.publicClient.getContractEvents({ address: contract, abi: serverContractAbi, eventName: "ReceiptPublished", args: { orderId }, fromBlock: disputed.blockNumber })).length > 0,
      { what: "the dispute answered by the other instance", timeoutMs: 60_000 },
    );
    process.kill(leader.pid, "SIGCONT");
    // Its timers fire late: its lease time is over, so it neither answers nor keeps the lease.
    await waitFor(async () => (await health(leader)).leader === false, { what: "the woken leader steps down", timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 2 * LEADER_LEASE_MS));
    expect((await health(other)).leader).toBe(true);
    expect((await health(leader)).leader).toBe(false);
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE label LIKE ?", `%${orderId}%`)).toBe(1);
    const all = await clients.publicClient.getContractEvents({ address: contract, abi: serverContractAbi, eventName: "ReceiptPublished", args: { orderId }, fromBlock: 0n });
    expect(all).toHaveLength(1);
  });

  it("the leader killed while a dispute is open: the other instance answers before the deadline, and the chain shows exactly one answer", async () => {
    const { leader, other } = await roles();
    const viaOther = await signIn({ baseUrl: other.baseUrl, account: alice });
    const { file, quote, orderId } = await paidOrder(viaOther, contract, 40_000);
    await viaOther.upload(orderId, file.bytes);
    // The leader is frozen first (so it cannot answer), the client disputes, then the leader dies.
    process.kill(leader.pid, "SIGSTOP");
    const disputedAt = Date.now();
    const hash = await clients.walletClient.writeContract({ address: contract, abi: serverContractAbi, functionName: "disputeDelivery", args: [quote.quote] });
    const disputed = await clients.publicClient.waitForTransactionReceipt({ hash });
    const [{ args }] = parseEventLogs({ abi: serverContractAbi, logs: disputed.logs, eventName: "DeliveryDisputed" });
    const deadline = args.deadline;
    await leader.kill();
    const answered = await waitFor(
      async () => {
        const logs = await clients.publicClient.getContractEvents({ address: contract, abi: serverContractAbi, eventName: "ReceiptPublished", args: { orderId }, fromBlock: disputed.blockNumber });
        return logs.length > 0 ? logs : undefined;
      },
      { what: "the dispute answered", timeoutMs: 60_000 },
    );
    const failoverMs = Date.now() - disputedAt;
    expect((await health(other)).leader).toBe(true);
    // Mined before the deadline, exactly once; the order is Paid again.
    const block = await clients.publicClient.getBlock({ blockNumber: answered[0]!.blockNumber });
    expect(block.timestamp).toBeLessThanOrEqual(deadline);
    await clients.publicClient.request({ method: "evm_mine" as never, params: [] as never });
    const all = await clients.publicClient.getContractEvents({ address: contract, abi: serverContractAbi, eventName: "ReceiptPublished", args: { orderId }, fromBlock: 0n });
    expect(all).toHaveLength(1);
    const [state] = await clients.publicClient.readContract({ address: contract, abi: serverContractAbi, functionName: "orderOf", args: [orderId] });
    expect(orderStateName(state)).toBe("Paid");
    expect(failoverMs).toBeLessThan(60_000);
    console.log(`[cluster] leader killed with a dispute open: answered by the other instance ${(failoverMs / 1000).toFixed(1)} s after the dispute`);
    // Nothing is left for a second answer: the task is done and no pending transaction remains.
    await waitFor(async () => (await query<{ status: string }>("SELECT status FROM tasks WHERE order_id = ?", orderId.toLowerCase()))?.status === "done", { what: "task done" });
    expect(await count("SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending'")).toBe(0);
  });
});
