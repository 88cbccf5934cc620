// Compute jobs over HTTP against a real EVM (hardhat node) and real SQLite: quote → pay → result →
// receipt verified → download → Freivalds; every bad input refused with its exact error and nothing
// stored; a result challenge and a delivery dispute answered by the server; the test-only flip switch
// caught by locateWrongEntry and fined by the contract (price + fine to the client, in wei); a crash
// (SIGKILL) mid-job and a restart: finished once, one receipt, paid once.
import { fileLink } from "@pekanu/protocol";
import {
  buildItemProof,
  decodeMatrix,
  encodeMatrix,
  FIELD_PRIME,
  freivaldsCheck,
  type JobQuoteResponse,
  jobQuoteResponse,
  jobQuoteTypedData,
  jobReceiptFor,
  jobReceiptTypedData,
  type JobResponse,
  jobResponse,
  jobsResponse,
  JobState,
  KERNEL,
  locateWrongEntry,
  type Matrix,
  multiplyMatrices,
} from "@pekanu/protocol/compute";
import { computeContractAbi } from "@pekanu/protocol/contract";
import { nodeSha256 } from "@pekanu/protocol/node";
import { fileRootOf } from "@pekanu/protocol/merkle";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { type Address, type Hex, parseEventLogs, recoverTypedDataAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chainClients,
  chainControl,
  type HardhatNode,
  payQuote,
  type ProviderClient,
  signIn,
  startHardhatNode,
  startProvider,
  startProviderProcess,
  type TestProvider,
  testAccount,
  testKey,
  waitFor,
} from "./support/index.ts";
import { loseBlob } from "./support/stateBackend.ts";

let node: HardhatNode;
let provider: TestProvider;
let computeAddress: Address;
const ETH = 10n ** 18n;

beforeAll(async () => {
  node = await startHardhatNode();
  provider = await startProvider({ rpcUrl: node.rpcUrl, config: { compute: { contract: "deploy", stakeWei: 100n * ETH, deliverSeconds: 120 } } });
  computeAddress = provider.server.context.compute!.address;
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

function randomMatrix(rows: number, cols: number): Matrix {
  const data = new Uint32Array(rows * cols);
  const bytes = new Uint32Array(randomBytes(data.length * 4).buffer);
  for (let i = 0; i < data.length; i++) data[i] = bytes[i]! % FIELD_PRIME;
  return { rows, cols, data };
}

type Client = ProviderClient & { token: string };

/** Stores `bytes` with `baseUrl`'s provider as a paid, delivered file of `key`'s account. */
async function storeFile({ p, client, key, bytes }: { p: { baseUrl: string; contract: Hex }; client: Client; key: number; bytes: Uint8Array }): Promise<Hex> {
  const root = fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;
  const quote = await client.quote({ fileRoot: root, size: bytes.length, storageDays: 1 });
  await payQuote({ clients: chainClients({ rpcUrl: node.rpcUrl, key: testKey(key) }), contract: p.contract, quote });
  await waitFor(async () => (await client.order(quote.quote.orderId)).payment?.confirmed, { what: "payment confirmed", timeoutMs: 60_000 });
  await client.upload(quote.quote.orderId, bytes);
  return root;
}

async function requestQuote(client: Client, body: unknown): Promise<{ status: number; code?: string; quote?: JobQuoteResponse }> {
  const response = await client.request("/v1/jobs/quotes", { method: "POST", body });
  if (response.status !== 200) return { status: response.status, code: (response.json as { error: { code: string } }).error.code };
  return { status: 200, quote: jobQuoteResponse.parse(response.json) };
}

async function getJob(client: Client, jobId: Hex): Promise<JobResponse> {
  const response = await client.request(`/v1/jobs/${jobId}`);
  if (response.status !== 200) throw new Error(`GET job ${response.status}`);
  return jobResponse.parse(response.json);
}

async function listJobs(client: Client): Promise<JobResponse[]> {
  return jobsResponse.parse((await client.request("/v1/jobs")).json).jobs;
}

async function payJob({ key, contract, quote }: { key: number; contract: Address; quote: JobQuoteResponse }) {
  const { walletClient, publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(key) });
  const hash = await walletClient.writeContract({ address: contract, abi: computeContractAbi, functionName: "pay", args: [quote.quote, quote.signature], value: quote.quote.price });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return receipt;
}

async function computeEvents(address: Address, jobId: Hex) {
  const { publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  const logs = await publicClient.getLogs({ address, fromBlock: 0n });
  return parseEventLogs({ abi: computeContractAbi, logs }).filter((e) => (e.args as { jobId?: Hex }).jobId?.toLowerCase() === jobId.toLowerCase());
}

const alice = 1;
const bob = 2;

describe("compute jobs over HTTP", () => {
  let aliceClient: Client;
  let bobClient: Client;
  const A = randomMatrix(6, 40);
  const B = randomMatrix(40, 5);
  const fileA = encodeMatrix({ matrix: A });
  const fileB = encodeMatrix({ matrix: B, layout: "columns" });
  let rootA: Hex;
  let rootB: Hex;
  let job: JobResponse;

  beforeAll(async () => {
    aliceClient = await signIn({ baseUrl: provider.baseUrl, account: testAccount(alice) });
    bobClient = await signIn({ baseUrl: provider.baseUrl, account: testAccount(bob) });
    await aliceClient.register();
    await bobClient.register();
    rootA = await storeFile({ p: provider, client: aliceClient, key: alice, bytes: fileA });
    rootB = await storeFile({ p: provider, client: aliceClient, key: alice, bytes: fileB });
  });

  it("/v1/info names the ComputeContract, its signer, the kernels and the price", async () => {
    const info = await aliceClient.info();
    expect(info.compute).toMatchObject({
      contract: computeAddress,
      chainId: 31337,
      signer: testAccount(9).address,
      pricePerGigaMulAdd: "100000000000000",
      kernels: [
        { id: KERNEL.matmul, name: "matmul" },
        { id: KERNEL.polyEval, name: "polyEval", maxM: 1 },
      ],
    });
  });

  it("quote → pay → computed, stored, receipt signed and published → download → Freivalds holds", async () => {
    const { quote } = await requestQuote(aliceClient, { kernel: KERNEL.matmul, inputA: rootA, inputB: rootB, m: 6, k: 40, n: 5 });
    expect(quote).toBeDefined();
    const domain = { chainId: 31337, verifyingContract: computeAddress };
    expect(await recoverTypedDataAddress({ ...jobQuoteTypedData({ domain, quote: quote!.quote }), signature: quote!.signature })).toBe(testAccount(9).address);
    expect(quote!.quote).toMatchObject({ client: testAccount(alice).address, kernel: 1, inputA: rootA, inputB: rootB, m: 6, k: 40, n: 5, price: 10_000_000_000_000n, fine: 20_000_000_000_000n });
    expect((await getJob(aliceClient, quote!.quote.jobId)).state).toBe("quoted");

    await payJob({ key: alice, contract: computeAddress, quote: quote! });
    job = await waitFor(async () => {
      const j = await getJob(aliceClient, quote!.quote.jobId);
      return j.state === "done" && j.receipt ? j : undefined;
    }, { what: "job done", timeoutMs: 60_000 });
    expect(job.progress).toBe(1);
    const receipt = job.receipt!;
    expect(receipt.link).toBe(fileLink({ baseUrl: provider.baseUrl, fileRoot: receipt.resultRoot }));
    expect(receipt.signer).toBe(testAccount(9).address);
    const message = jobReceiptFor({ quote: quote!.quote, result: { resultRoot: receipt.resultRoot, resultSize: receipt.resultSize, link: receipt.link } });
    expect(await recoverTypedDataAddress({ ...jobReceiptTypedData({ domain, receipt: message }), signature: receipt.signature })).toBe(testAccount(9).address);

    // Published on chain by the server itself: the job is delivered, paid once, one receipt.
    await waitFor(async () => (await computeEvents(computeAddress, job.jobId)).some((e) => e.eventName === "JobReceiptPublished"), { what: "receipt on chain", timeoutMs: 60_000 });
    const events = await computeEvents(computeAddress, job.jobId);
    expect(events.map((e) => e.eventName)).toEqual(["JobPaid", "JobReceiptPublished"]);
    expect(events[1]!.args).toMatchObject({ resultRoot: receipt.resultRoot, resultSize: receipt.resultSize, link: receipt.link });

    // The result is a file of Alice's: download, audit; Freivalds and the reference product agree.
    const download = await aliceClient.download(receipt.resultRoot);
    expect(download.status).toBe(200);
    expect(BigInt(download.bytes.length)).toBe(receipt.resultSize);
    expect(fileRootOf(download.bytes, { sha256: nodeSha256 })).toBe(receipt.resultRoot);
    const C = decodeMatrix(download.bytes).matrix;
    expect(freivaldsCheck({ a: A, b: B, c: C })).toBe(true);
    expect(C.data).toEqual(multiplyMatrices({ a: A, b: B }).data);
    const audit = await aliceClient.audit(receipt.resultRoot, 0);
    expect(audit.fileRoot).toBe(receipt.resultRoot);

    // Nobody else sees the job or its result.
    expect((await bobClient.request(`/v1/jobs/${job.jobId}`)).status).toBe(404);
    expect((await bobClient.download(receipt.resultRoot)).status).toBe(403);
    expect((await listJobs(bobClient)).length).toBe(0);
    expect((await listJobs(aliceClient)).map((j) => j.jobId)).toContain(job.jobId);
  });

  it("bad inputs: each refused with its exact error, nothing stored", async () => {
    const bobOther = await storeFile({ p: provider, client: bobClient, key: bob, bytes: encodeMatrix({ matrix: randomMatrix(6, 40) }) });
    const notMatrix = await storeFile({ p: provider, client: aliceClient, key: alice, bytes: new Uint8Array(randomBytes(5000)) });
    // Quoted and never paid: not a stored file of Alice's.
    const unpaidBytes = encodeMatrix({ matrix: randomMatrix(6, 40) });
    const unpaid = fileRootOf(unpaidBytes, { sha256: nodeSha256 }) as Hex;
    await aliceClient.quote({ fileRoot: unpaid, size: unpaidBytes.length, storageDays: 1 });
    const before = await listJobs(aliceClient);
    const base = { kernel: KERNEL.matmul, inputA: rootA, inputB: rootB, m: 6, k: 40, n: 5 };
    const cases: [string, unknown, number, string][] = [
      ["unknown kernel", { ...base, kernel: 7 }, 422, "UnknownKernel"],
      ["kernel 0", { ...base, kernel: 0 }, 422, "UnknownKernel"],
      ["oversize dimension", { ...base, m: 20_000 }, 422, "JobTooLarge"],
      ["oversize work", { ...base, m: 16_384, k: 32_768, n: 16_384 }, 422, "JobTooLarge"],
      ["oversize files (2 GiB A, little work)", { ...base, m: 16_384, k: 32_768, n: 1 }, 422, "JobTooLarge"],
      ["not a file of anyone's", { ...base, inputA: `0x${"ab".repeat(32)}` }, 403, "NotYourFile"],
      ["another client's file", { ...base, inputA: bobOther }, 403, "NotYourFile"],
      ["an unpaid file", { ...base, inputA: unpaid }, 403, "NotYourFile"],
      ["wrong m", { ...base, m: 7 }, 422, "WrongDimensions"],
      ["wrong k", { ...base, k: 41 }, 422, "WrongDimensions"],
      ["A given as B (layout)", { ...base, inputB: rootA, k: 40, n: 6 }, 422, "WrongDimensions"],
      ["polyEval with m > 1", { ...base, kernel: KERNEL.polyEval }, 422, "WrongDimensions"],
      ["not a matrix file", { ...base, inputA: notMatrix }, 422, "InputEncrypted"],
      ["malformed body", { ...base, m: "6" }, 400, "BadRequest"],
    ];
    for (const [name, body, status, code] of cases) {
      const answer = await requestQuote(aliceClient, body);
      expect({ name, status: answer.status, code: answer.code }).toEqual({ name, status, code });
    }
    expect(await listJobs(aliceClient)).toEqual(before);
    const unauthenticated = await aliceClient.request("/v1/jobs/quotes", { method: "POST", body: base, token: null });
    expect(unauthenticated.status).toBe(401);
  });

  it("a result challenge is answered with the chunk and its proof (ResultProven, bond to the provider)", async () => {
    const { walletClient, publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(alice) });
    const contract = { address: computeAddress, abi: computeContractAbi } as const;
    const { challengeBond } = await publicClient.readContract({ ...contract, functionName: "params" });
    const r = job.receipt!;
    const hash = await walletClient.writeContract({
      ...contract,
      functionName: "challengeResult",
      args: [job.quote, { resultRoot: r.resultRoot, resultSize: r.resultSize, link: r.link }, r.signature, 0n],
      value: challengeBond,
    });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await waitFor(async () => (await computeEvents(computeAddress, job.jobId)).some((e) => e.eventName === "ResultProven"), { what: "result proven", timeoutMs: 60_000 });
    const [state] = await publicClient.readContract({ ...contract, functionName: "jobOf", args: [job.jobId] });
    expect(state).toBe(JobState.Paid);
    expect(await publicClient.readContract({ ...contract, functionName: "withdrawable", args: [testAccount(0).address] })).toBe(challengeBond);
  });

  it("a delivery dispute of a job the server could not compute is answered with a refund (price back, fine unlocked)", async () => {
    const a = encodeMatrix({ matrix: randomMatrix(3, 8) });
    const b = encodeMatrix({ matrix: randomMatrix(8, 2), layout: "columns" });
    const ra = await storeFile({ p: provider, client: bobClient, key: bob, bytes: a });
    const rb = await storeFile({ p: provider, client: bobClient, key: bob, bytes: b });
    const { quote } = await requestQuote(bobClient, { kernel: KERNEL.matmul, inputA: ra, inputB: rb, m: 3, k: 8, n: 2 });
    // The input disappears before the job runs (a disk fault): the job fails.
    await loseBlob({ blobs: provider.server.context.blobs, fileRoot: ra });
    const { publicClient, walletClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(bob) });
    const contract = { address: computeAddress, abi: computeContractAbi } as const;
    const [, lockedBefore] = await publicClient.readContract({ ...contract, functionName: "stake" });
    await payJob({ key: bob, contract: computeAddress, quote: quote! });
    const failed = await waitFor(async () => {
      const j = await getJob(bobClient, quote!.quote.jobId);
      return j.state === "failed" ? j : undefined;
    }, { what: "job failed", timeoutMs: 60_000 });
    expect(failed.error).toMatch(/no longer stored/);
    expect(failed.receipt).toBeNull();
    await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(130);
    const hash = await walletClient.writeContract({ ...contract, functionName: "disputeDelivery", args: [quote!.quote] });
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    await waitFor(async () => (await getJob(bobClient, quote!.quote.jobId)).state === "refunded", { what: "refunded", timeoutMs: 60_000 });
    expect(await publicClient.readContract({ ...contract, functionName: "withdrawable", args: [testAccount(bob).address] })).toBe(quote!.quote.price);
    const [, lockedAfter] = await publicClient.readContract({ ...contract, functionName: "stake" });
    expect(lockedAfter).toBe(lockedBefore);
  });
});

describe("the test-only flip switch", () => {
  it("is refused off chain 31337 (config) and, on 31337, yields a wrong entry that locateWrongEntry finds and proveFraud fines", async () => {
    const flipped = await startProvider({ rpcUrl: node.rpcUrl, config: { compute: { contract: "deploy", stakeWei: 10n * ETH, testFlipResult: true } } });
    try {
      const carol = 3;
      const client = await signIn({ baseUrl: flipped.baseUrl, account: testAccount(carol) });
      await client.register();
      const A = randomMatrix(9, 300);
      const B = randomMatrix(300, 7);
      const ra = await storeFile({ p: flipped, client, key: carol, bytes: encodeMatrix({ matrix: A }) });
      const rb = await storeFile({ p: flipped, client, key: carol, bytes: encodeMatrix({ matrix: B, layout: "columns" }) });
      const address = flipped.server.context.compute!.address;
      const { quote } = await requestQuote(client, { kernel: KERNEL.matmul, inputA: ra, inputB: rb, m: 9, k: 300, n: 7 });
      await payJob({ key: carol, contract: address, quote: quote! });
      const done = await waitFor(async () => {
        const j = await getJob(client, quote!.quote.jobId);
        return j.state === "done" ? j : undefined;
      }, { what: "flipped job done", timeoutMs: 60_000 });
      const r = done.receipt!;
      const resultBytes = (await client.download(r.resultRoot)).bytes;
      const C = decodeMatrix(resultBytes).matrix;
      expect(freivaldsCheck({ a: A, b: B, c: C })).toBe(false);
      const wrong = locateWrongEntry({ a: A, b: B, c: C })!;
      expect(wrong).toMatchObject({ i: Math.floor((9 * 5) / 7), j: Math.floor((7 * 3) / 5) });

      const item = buildItemProof({ kernel: KERNEL.matmul, m: 9, k: 300, n: 7, a: encodeMatrix({ matrix: A }), b: encodeMatrix({ matrix: B, layout: "columns" }), result: resultBytes, i: wrong.i, j: wrong.j, sha256: nodeSha256 });
      const { walletClient, publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(carol) });
      const contract = { address, abi: computeContractAbi } as const;
      const [totalBefore] = await publicClient.readContract({ ...contract, functionName: "stake" });
      const hash = await walletClient.writeContract({
        ...contract,
        functionName: "proveFraud",
        args: [quote!.quote, { resultRoot: r.resultRoot, resultSize: r.resultSize, link: r.link }, r.signature, item],
      });
      expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
      const owed = quote!.quote.price + quote!.quote.fine;
      expect(await publicClient.readContract({ ...contract, functionName: "withdrawable", args: [testAccount(carol).address] })).toBe(owed);
      const [totalAfter] = await publicClient.readContract({ ...contract, functionName: "stake" });
      expect(totalBefore - totalAfter).toBe(quote!.quote.fine);
      // Withdrawn: the balance rises by exactly price + fine − gas.
      const balanceBefore = await publicClient.getBalance({ address: testAccount(carol).address });
      const withdrawHash = await walletClient.writeContract({ ...contract, functionName: "withdraw" });
      const withdrawn = await publicClient.waitForTransactionReceipt({ hash: withdrawHash });
      const balanceAfter = await publicClient.getBalance({ address: testAccount(carol).address });
      expect(balanceAfter - balanceBefore).toBe(owed - withdrawn.gasUsed * withdrawn.effectiveGasPrice);
      await waitFor(async () => (await getJob(client, quote!.quote.jobId)).state === "fraudProven", { what: "fraudProven", timeoutMs: 60_000 });
    } finally {
      await flipped.stop();
    }
  });
});

describe("crash mid-job", () => {
  it("a job running when the server is SIGKILLed is finished after the restart: once, one receipt, paid once", async () => {
    const dave = 4;
    const env = { PEKANU_COMPUTE_CONTRACT: "deploy", PEKANU_COMPUTE_STAKE: "10", PEKANU_LOG_LEVEL: process.env.PEKANU_TEST_LOG ?? "warn" };
    let proc = await startProviderProcess({ rpcUrl: node.rpcUrl, env, timeoutMs: 180_000 });
    try {
      const client = await signIn({ baseUrl: proc.baseUrl, account: testAccount(dave) });
      await client.register();
      const [m, k, n] = [512, 1024, 1024];
      const A = randomMatrix(m, k);
      const B = randomMatrix(k, n);
      const fa = encodeMatrix({ matrix: A });
      const fb = encodeMatrix({ matrix: B, layout: "columns" });
      const ra = await storeFile({ p: proc, client, key: dave, bytes: fa });
      const rb = await storeFile({ p: proc, client, key: dave, bytes: fb });
      const info = await client.info();
      const address = info.compute!.contract;
      const { quote } = await requestQuote(client, { kernel: KERNEL.matmul, inputA: ra, inputB: rb, m, k, n });
      await payJob({ key: dave, contract: address, quote: quote! });
      await waitFor(async () => (await getJob(client, quote!.quote.jobId)).state === "running", { what: "job running", intervalMs: 20, timeoutMs: 60_000 });
      await proc.kill();

      proc = await startProviderProcess({ rpcUrl: node.rpcUrl, env, dataDir: proc.dataDir, port: proc.port, timeoutMs: 180_000 });
      const again = await signIn({ baseUrl: proc.baseUrl, account: testAccount(dave) });
      const done = await waitFor(async () => {
        const j = await getJob(again, quote!.quote.jobId);
        return j.state === "done" ? j : undefined;
      }, { what: "job done after restart", timeoutMs: 120_000 });
      await waitFor(async () => (await computeEvents(address, quote!.quote.jobId)).some((e) => e.eventName === "JobReceiptPublished"), { what: "receipt on chain", timeoutMs: 30_000 });
      const events = await computeEvents(address, quote!.quote.jobId);
      expect(events.map((e) => e.eventName)).toEqual(["JobPaid", "JobReceiptPublished"]);
      const C = decodeMatrix((await again.download(done.receipt!.resultRoot)).bytes).matrix;
      expect(freivaldsCheck({ a: A, b: B, c: C })).toBe(true);
      const { publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(dave) });
      // Paid once: the contract holds the stake plus exactly one price.
      expect(await publicClient.getBalance({ address })).toBe(10n * ETH + quote!.quote.price);
    } finally {
      await proc.kill();
      await rm(proc.dataDir, { recursive: true, force: true });
    }
  }, 600_000);
});
