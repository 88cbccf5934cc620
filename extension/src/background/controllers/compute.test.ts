import "fake-indexeddb/auto";
import { jobHash, jobQuoteTypedData, jobReceiptFor, jobReceiptTypedData, matrixGeometry, type ItemProof } from "@pekanu/protocol/compute";
import { describe, expect, it, vi } from "vitest";
import type { Address, Hex } from "viem";
import { openVault } from "../../lib/vault/db.ts";
import type { JobQuoteJson } from "../../lib/compute/computeApi.ts";
import { client, makeRecord, otherSigner, providerSigner } from "../../test-support/fixtures.ts";
import { registerVaultDb } from "../services/vaultDb.ts";
import { createBackgroundMessenger } from "../types.ts";
import { ComputeController, quoteFromJson } from "./compute.ts";

const ORIGIN = "http://127.0.0.1:8788";
const COMPUTE = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as Address;
const CHAIN = 31337;
const PAY_TX = `0x${"aa".repeat(32)}` as Hex;
const FRAUD_TX = `0x${"bb".repeat(32)}` as Hex;
const DISPUTE_TX = `0x${"d1".repeat(32)}` as Hex;
const CLAIM_TX = `0x${"c1".repeat(32)}` as Hex;
const CHALLENGE_TX = `0x${"c4".repeat(32)}` as Hex;
const TX_OF: Record<string, Hex> = { pay: PAY_TX, proveFraud: FRAUD_TX, disputeDelivery: DISPUTE_TX, claimPenalty: CLAIM_TX, challengeResult: CHALLENGE_TX };
const BOND = 1_000_000_000_000_000n;
/** The signed quotes' deliverBy (chain seconds). */
const DELIVER_BY = 1_800_003_600;
const RESPONSE_WINDOW = 600;
const VERIFY_WINDOW = 3_600;
const JOB_ID = `0x${"01".repeat(32)}` as Hex;
const PRICE = 2_000_000_000_000_000n;
const FINE = 6_000_000_000_000_000n;
const M = 4;
const K = 4;
const N = 4;
const NOW = 1_800_000_000_000;

const computeInfo = { contract: COMPUTE, chainId: CHAIN, signer: providerSigner.address, kernels: [{ id: 1, name: "matmul", maxM: 4096, maxK: 4096, maxN: 4096 }], pricePerGigaMulAdd: "1000" };

type Server = {
  quote?: (body: { inputA: Hex; inputB: Hex; m: number; k: number; n: number; kernel: number }) => Promise<{ quote: JobQuoteJson; signature: Hex }>;
  job?: () => Promise<unknown>;
};

async function signedQuote(body: { inputA: Hex; inputB: Hex; m: number; k: number; n: number; kernel: number }, over: Partial<JobQuoteJson> = {}, signer = providerSigner) {
  const quote: JobQuoteJson = { jobId: JOB_ID, client, kernel: body.kernel, inputA: body.inputA, inputB: body.inputB, m: body.m, k: body.k, n: body.n, price: PRICE.toString(), fine: FINE.toString(), deliverBy: "1800003600", expiresAt: "1800000600", ...over };
  const signature = await signer.signTypedData(jobQuoteTypedData({ domain: { chainId: CHAIN, verifyingContract: COMPUTE }, quote: quoteFromJson(quote) }));
  return { quote, signature };
}

async function signedReceipt(quote: JobQuoteJson, signer = providerSigner) {
  const result = { resultRoot: `0x${"cc".repeat(32)}` as Hex, resultSize: BigInt(matrixGeometry({ rows: M, cols: N, layout: "rows" }).size), link: `${ORIGIN}/v1/files/0x${"cc".repeat(32)}` };
  const signature = await signer.signTypedData(jobReceiptTypedData({ domain: { chainId: CHAIN, verifyingContract: COMPUTE }, receipt: jobReceiptFor({ quote: quoteFromJson(quote), result }) }));
  return { resultRoot: result.resultRoot, resultSize: Number(result.resultSize), link: result.link, signature, signer: signer.address };
}

/** The compute controller over a real IndexedDB vault (fake-indexeddb), a fake provider (fetch) and a fake chain. */
async function setup(server: Server = {}, name = `compute-${Math.random()}`, opts: { now?: () => number; send?: (call: { functionName: string }) => Promise<Hex> } = {}) {
  const messenger = createBackgroundMessenger();
  registerVaultDb({ messenger, open: () => openVault({ name }) });
  messenger.registerAction("session:provider", () => ({ url: ORIGIN, origin: ORIGIN, info: { chainId: CHAIN } }) as never);
  messenger.registerAction("session:tokenFor", () => "token");
  messenger.registerAction("session:requireSession", () => ({ token: "token", address: client, expiresAt: NOW + 3_600_000 }));
  messenger.registerAction("session:requireChain", async () => undefined);
  messenger.registerAction("session:requireAccount", async () => undefined);
  const requests: { method: string; path: string; auth: string | null }[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const u = new URL(String(url));
    requests.push({ method: init?.method ?? "GET", path: u.pathname, auth: new Headers(init?.headers).get("Authorization") });
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
    if (u.pathname === "/v1/info") return json({ compute: computeInfo });
    if (u.pathname === "/v1/jobs/quotes" && server.quote) return json(await server.quote(JSON.parse(String(init?.body))));
    if (u.pathname.startsWith("/v1/jobs/") && server.job) return json(await server.job());
    return json({ error: { code: "NotFound", message: "no" } }, 404);
  }) as unknown as typeof globalThis.fetch;
  const mined: Record<string, "success" | "reverted"> = {};
  // The compute contract's view of the job (state by CHAIN_JOB_STATE number, chain clock in seconds), set by each test.
  const onChain = { state: 0, delivered: false, deadline: 0, closesAt: DELIVER_BY + VERIFY_WINDOW, challengeBond: BOND.toString(), blockTime: NOW / 1000 };
  const payments: { txHash: Hex; blockNumber: number; client: Address; jobHash: Hex; price: bigint }[] = [];
  const chain = {
    signer: vi.fn(async () => providerSigner.address),
    withdrawable: vi.fn(async () => PRICE + FINE),
    jobOf: vi.fn(async () => ({ state: onChain.state, delivered: onChain.delivered, paidAt: 1 })),
    readJob: vi.fn(async () => ({ ...onChain })),
    blockNumber: vi.fn(async () => 42),
    findJobPayment: vi.fn(async () => payments.at(-1) ?? null),
    balance: vi.fn(async () => 10n ** 18n),
    maxFeePerGas: vi.fn(async () => 2_000_000_000n),
    estimateGas: vi.fn(async () => 150_000n),
    send: vi.fn(async (_c: Address, _f: Address, call: { functionName: string }) => (opts.send ? opts.send(call) : TX_OF[call.functionName]!)),
    waitForReceipt: vi.fn(async (hash: Hex) => {
      await vi.waitUntil(() => mined[hash], { timeout: 5_000, interval: 5 });
      return { status: mined[hash], blockNumber: 7n, gasUsed: 100_000n, effectiveGasPrice: 1_000_000_000n };
    }),
  };
  const compute = new ComputeController({ messenger, chain: chain as never, account: async () => client, fetch, now: opts.now ?? (() => NOW), pollMs: 5, chainPollMs: 0 });
  const db = () => messenger.call("vaultdb:open");
  // Two stored, unencrypted matrix files: A (4×4 by rows), B (4×4 by columns).
  const a = { ...(await makeRecord(1)), fileName: "a.pkmx", size: matrixGeometry({ rows: M, cols: K, layout: "rows" }).size, encryption: null };
  const b = { ...(await makeRecord(2)), fileName: "b.pkmx", size: matrixGeometry({ rows: K, cols: N, layout: "columns" }).size, encryption: null };
  await (await db()).save(a);
  await (await db()).save(b);
  return { compute, chain, fetch, requests, mined, db, a, b, messenger, name, onChain, payments };
}

const ask = (a: { key: string }, b: { key: string }) => ({ kernel: 1, a: a.key, b: b.key, m: M, k: K, n: N });

describe("compute controller", () => {
  it("asks for a job price on two stored files, checks the provider's signature and keeps the job in the vault", async () => {
    const { compute, requests, a, b, db } = await setup({ quote: (body) => signedQuote(body) });
    const job = await compute.quote(ask(a, b));
    expect(job).toMatchObject({ jobId: JOB_ID, contract: COMPUTE, chainId: CHAIN, status: "quoted", client, signer: providerSigner.address });
    expect(job.inputs.a).toMatchObject({ fileRoot: a.fileRoot, vaultKey: a.key });
    expect(job.quote).toMatchObject({ inputA: a.fileRoot, inputB: b.fileRoot, m: M, k: K, n: N, price: PRICE.toString(), fine: FINE.toString() });
    expect(requests.find((r) => r.path === "/v1/jobs/quotes")?.auth).toBe("Bearer token");
    expect(await (await db()).getJob(job.key)).toEqual(job);
    expect(compute.state.jobs.map((j) => j.key)).toEqual([job.key]);
  });

  it("refuses a price signed by another key, for other files, or for other dimensions, and keeps nothing", async () => {
    for (const [server, code] of [
      [(body: never) => signedQuote(body, {}, otherSigner), "JobQuoteSignature"],
      [(body: { inputA: Hex }) => signedQuote(body as never, { inputA: `0x${"dd".repeat(32)}` }), "JobQuoteMismatch"],
      [(body: never) => signedQuote(body, { n: N + 1 }), "JobQuoteMismatch"],
      [(body: never) => signedQuote(body, { client: otherSigner.address }), "JobQuoteMismatch"],
      [(body: never) => signedQuote(body, { expiresAt: String(NOW / 1000 - 1) }), "JobQuoteMismatch"],
    ] as const) {
      const { compute, a, b, db, chain } = await setup({ quote: server as never });
      await expect(compute.quote(ask(a, b))).rejects.toMatchObject({ human: { code } });
      expect(await (await db()).listJobs()).toEqual([]);
      expect(chain.send).not.toHaveBeenCalled();
    }
  });

  it("refuses an encrypted input or files that are not the named dimensions before asking the provider", async () => {
    const { compute, a, b, db, requests } = await setup({ quote: (body) => signedQuote(body) });
    await expect(compute.quote({ ...ask(a, b), k: 300 })).rejects.toMatchObject({ human: { code: "WrongDimensions" } });
    await (await db()).update(b.key, (r) => ({ ...r, encryption: { mode: "private", key: null, plaintextSize: 1, segmentSize: 1 } }));
    await expect(compute.quote(ask(a, b))).rejects.toMatchObject({ human: { code: "InputEncrypted" } });
    await expect(compute.quote({ ...ask(a, b), kernel: 2 })).rejects.toMatchObject({ human: { code: "UnknownKernel" } });
    expect(requests.filter((r) => r.path.startsWith("/v1/jobs"))).toEqual([]);
  });

  it("pays the quoted price in wei, follows the job to its signed result, and a restart resumes following", async () => {
    let state: "running" | "done" = "running";
    let quoteJson!: JobQuoteJson;
    const server: Server = {
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state, progress: state === "done" ? 1 : 0.5, quote: quoteJson, receipt: state === "done" ? await signedReceipt(quoteJson) : null, error: null }),
    };
    const first = await setup(server);
    const job = await first.compute.quote(ask(first.a, first.b));
    const balance = await first.compute.checkBalance(job.key);
    expect(balance).toEqual({ balance: (10n ** 18n).toString(), price: PRICE.toString(), networkFee: (150_000n * 2_000_000_000n).toString(), total: (PRICE + 300_000_000_000_000n).toString(), enough: true });
    expect(await first.compute.pay(job.key)).toBe(PAY_TX);
    expect(first.chain.send).toHaveBeenCalledWith(COMPUTE, client, { functionName: "pay", args: [quoteFromJson(quoteJson), job.quoteSignature], value: PRICE });
    expect((await first.compute.get(job.key)).status).toBe("paying");
    await expect(first.compute.pay(job.key)).rejects.toMatchObject({ human: { code: "AlreadyPaid" } });
    first.mined[PAY_TX] = "success";
    await vi.waitUntil(async () => (await first.compute.get(job.key)).progress === 0.5, { timeout: 5_000 });
    expect((await first.compute.get(job.key)).status).toBe("computing");

    // The service worker stops here; a new one over the same vault picks the job up.
    const second = await setup(server, first.name);
    await second.compute.resume();
    state = "done";
    await vi.waitUntil(async () => (await second.compute.get(job.key)).status === "done", { timeout: 5_000 });
    const done = await second.compute.get(job.key);
    expect(done.receipt).toMatchObject({ resultRoot: `0x${"cc".repeat(32)}`, signer: providerSigner.address });
    expect(done.actions).toEqual([expect.objectContaining({ kind: "pay", txHash: PAY_TX, status: "confirmed", gasUsed: "100000", effectiveGasPrice: "1000000000" })]);
  });

  it("does not accept a result receipt signed by another key", async () => {
    let quoteJson!: JobQuoteJson;
    const { compute, a, b, mined } = await setup({
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state: "done", progress: 1, quote: quoteJson, receipt: await signedReceipt(quoteJson, otherSigner), error: null }),
    });
    const job = await compute.quote(ask(a, b));
    await compute.pay(job.key);
    mined[PAY_TX] = "success";
    await vi.waitUntil(async () => (await compute.get(job.key)).serverError !== null, { timeout: 5_000 });
    const stored = await compute.get(job.key);
    expect(stored.receipt).toBeNull();
    expect(stored.status).toBe("computing");
    expect(stored.serverError).toMatch(/not signed by the provider/);
  });

  it("records a wrong entry, files the one-entry fraud proof for it, and counts price + fine as credited once mined", async () => {
    let quoteJson!: JobQuoteJson;
    const { compute, a, b, mined, chain } = await setup({
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state: "done", progress: 1, quote: quoteJson, receipt: await signedReceipt(quoteJson), error: null }),
    });
    const job = await compute.quote(ask(a, b));
    await compute.pay(job.key);
    mined[PAY_TX] = "success";
    await vi.waitUntil(async () => (await compute.get(job.key)).status === "done", { timeout: 5_000 });
    const item: ItemProof = { i: 2, j: 3, aData: "0x00", aProof: [], bData: "0x00", bProof: [], cData: "0x00", cProof: [] };
    await expect(compute.proveFraud(job.key, item)).rejects.toMatchObject({ human: { code: "NothingToProve" } });
    const checked = await compute.recordCheck(job.key, { verified: false, errorLog2: -61.9, ms: 3, wrong: { i: 2, j: 3, expected: 5, found: 6 } });
    expect(checked.status).toBe("wrong");
    await expect(compute.proveFraud(job.key, { ...item, j: 1 })).rejects.toMatchObject({ human: { code: "BadProof" } });
    expect(await compute.proveFraud(job.key, item)).toBe(FRAUD_TX);
    const done = await compute.get(job.key);
    expect(chain.send).toHaveBeenLastCalledWith(COMPUTE, client, { functionName: "proveFraud", args: [quoteFromJson(quoteJson), { resultRoot: done.receipt!.resultRoot, resultSize: BigInt(done.receipt!.resultSize), link: done.receipt!.link }, done.receipt!.signature, item] });
    expect(done.status).toBe("proving");
    mined[FRAUD_TX] = "success";
    await vi.waitUntil(async () => (await compute.get(job.key)).status === "fined", { timeout: 5_000 });
    expect((await compute.get(job.key)).credited).toBe((PRICE + FINE).toString());
    await vi.waitUntil(() => compute.state.credits !== null, { timeout: 5_000 });
    expect(compute.state.credits?.amount).toBe((PRICE + FINE).toString());
  });

  it("records a passed check as verified", async () => {
    let quoteJson!: JobQuoteJson;
    const { compute, a, b, mined } = await setup({
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state: "done", progress: 1, quote: quoteJson, receipt: await signedReceipt(quoteJson), error: null }),
    });
    const job = await compute.quote(ask(a, b));
    await expect(compute.recordCheck(job.key, { verified: true, errorLog2: -61.9, ms: 1 })).rejects.toMatchObject({ human: { code: "NoResult" } });
    await compute.pay(job.key);
    mined[PAY_TX] = "success";
    await vi.waitUntil(async () => (await compute.get(job.key)).status === "done", { timeout: 5_000 });
    const targets = await compute.targets(job.key);
    expect(targets.a).toMatchObject({ fileRoot: a.fileRoot, size: a.size, token: "token" });
    expect(targets.result.url).toBe(`${ORIGIN}/v1/files/0x${"cc".repeat(32)}`);
    expect((await compute.recordCheck(job.key, { verified: true, errorLog2: -61.9, ms: 1 })).status).toBe("verified");
  });

  /** A provider that accepts the payment and never delivers: the job stays "running" (or ends "failed"). */
  async function paidButNeverDelivered(state: "running" | "failed" = "running", name?: string) {
    let quoteJson!: JobQuoteJson;
    const t = await setup(
      {
        quote: async (body) => {
          const q = await signedQuote(body);
          quoteJson = q.quote;
          return q;
        },
        job: async () => ({ jobId: JOB_ID, state, progress: 0, quote: quoteJson, receipt: null, error: state === "failed" ? "The worker stopped." : null }),
      },
      name,
    );
    const job = await t.compute.quote(ask(t.a, t.b));
    await t.compute.pay(job.key);
    t.onChain.state = 1; // Paid
    t.mined[PAY_TX] = "success";
    await vi.waitUntil(async () => (await t.compute.get(job.key)).status === (state === "failed" ? "failed" : "computing") && (await t.compute.get(job.key)).onChain, { timeout: 5_000 });
    return { ...t, job, quote: quoteFromJson(quoteJson) };
  }

  it("no result by the deadline: disputes through the wallet, waits out the provider's answer time, then claims exactly price + fine (wei)", async () => {
    const { compute, chain, mined, onChain, job, quote } = await paidButNeverDelivered();
    onChain.blockTime = DELIVER_BY; // the deadline itself: not late yet
    await expect(compute.disputeDelivery(job.key)).rejects.toMatchObject({ human: { code: "TooEarly" } });
    await expect(compute.claimPenalty(job.key)).rejects.toMatchObject({ human: { code: "NothingToClaim" } });
    expect(chain.send).toHaveBeenCalledTimes(1); // the payment only

    onChain.blockTime = DELIVER_BY + 1;
    expect(await compute.disputeDelivery(job.key)).toBe(DISPUTE_TX);
    expect(chain.send).toHaveBeenLastCalledWith(COMPUTE, client, { functionName: "disputeDelivery", args: [quote] });
    expect((await compute.get(job.key)).status).toBe("disputing");
    await expect(compute.disputeDelivery(job.key)).rejects.toMatchObject({ human: { code: "CannotDispute" } });

    // Mined: the contract opens the provider's response window.
    onChain.state = 2; // DeliveryDisputed
    onChain.deadline = DELIVER_BY + 1 + RESPONSE_WINDOW;
    mined[DISPUTE_TX] = "success";
    await vi.waitUntil(async () => (await compute.get(job.key)).status === "disputed", { timeout: 5_000 });
    expect((await compute.get(job.key)).onChain).toMatchObject({ state: 2, deadline: DELIVER_BY + 1 + RESPONSE_WINDOW });

    onChain.blockTime = onChain.deadline; // the provider may still answer at its deadline
    await expect(compute.claimPenalty(job.key)).rejects.toMatchObject({ human: { code: "TooEarly" } });
    expect(chain.send).toHaveBeenCalledTimes(2);

    onChain.blockTime = onChain.deadline + 1;
    expect(await compute.claimPenalty(job.key)).toBe(CLAIM_TX);
    expect(chain.send).toHaveBeenLastCalledWith(COMPUTE, client, { functionName: "claimPenalty", args: [quote] });
    expect((await compute.get(job.key)).status).toBe("claiming");
    onChain.state = 6; // Penalized
    onChain.deadline = 0;
    mined[CLAIM_TX] = "success";
    await vi.waitUntil(async () => (await compute.get(job.key)).status === "penalized", { timeout: 5_000 });
    const done = await compute.get(job.key);
    expect(done.credited).toBe((PRICE + FINE).toString());
    expect(done.credited).toBe("8000000000000000");
    expect(done.actions.map((a) => [a.kind, a.status])).toEqual([
      ["pay", "confirmed"],
      ["disputeDelivery", "confirmed"],
      ["claimPenalty", "confirmed"],
    ]);
    await vi.waitUntil(() => compute.state.credits !== null, { timeout: 5_000 });
    expect(compute.state.credits?.amount).toBe((PRICE + FINE).toString());
    await expect(compute.claimPenalty(job.key)).rejects.toMatchObject({ human: { code: "NothingToClaim" } });
    expect(chain.send).toHaveBeenCalledTimes(3);
  });

  it("a failed job can be disputed once late; not after its result was shown on chain, nor once disputes have closed", async () => {
    const { compute, chain, onChain, job } = await paidButNeverDelivered("failed");
    expect((await compute.get(job.key)).serverError).toBe("The worker stopped.");
    onChain.blockTime = DELIVER_BY + 1;
    onChain.delivered = true;
    await expect(compute.disputeDelivery(job.key)).rejects.toMatchObject({ human: { code: "AlreadyDelivered" } });
    expect((await compute.get(job.key)).status).toBe("computing"); // the shown result is fetched again
    onChain.delivered = false;
    onChain.blockTime = onChain.closesAt;
    await expect(compute.disputeDelivery(job.key)).rejects.toMatchObject({ human: { code: "TooLate" } });
    expect(chain.send).toHaveBeenCalledTimes(1);
    onChain.blockTime = onChain.closesAt - 1;
    expect(await compute.disputeDelivery(job.key)).toBe(DISPUTE_TX);
  });

  it("a dispute the provider answers: refund() credits the price only, a result shown on chain brings the job back to its result", async () => {
    const refunded = await paidButNeverDelivered();
    refunded.onChain.blockTime = DELIVER_BY + 1;
    await refunded.compute.disputeDelivery(refunded.job.key);
    refunded.onChain.state = 2;
    refunded.onChain.deadline = DELIVER_BY + 1 + RESPONSE_WINDOW;
    refunded.mined[DISPUTE_TX] = "success";
    await vi.waitUntil(async () => (await refunded.compute.get(refunded.job.key)).status === "disputed", { timeout: 5_000 });
    refunded.onChain.state = 5; // Refunded by the provider
    refunded.onChain.deadline = 0;
    await vi.waitUntil(async () => (await refunded.compute.get(refunded.job.key)).status === "refunded", { timeout: 5_000 });
    expect((await refunded.compute.get(refunded.job.key)).credited).toBe(PRICE.toString());
    await expect(refunded.compute.claimPenalty(refunded.job.key)).rejects.toMatchObject({ human: { code: "NothingToClaim" } });
    expect(refunded.chain.send).toHaveBeenCalledTimes(2);

    // Another provider answers with its signed result (publishReceipt): the job is back to "computing", then "done".
    let state: "running" | "done" = "running";
    let quoteJson!: JobQuoteJson;
    const t = await setup({
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state, progress: state === "done" ? 1 : 0, quote: quoteJson, receipt: state === "done" ? await signedReceipt(quoteJson) : null, error: null }),
    });
    const job = await t.compute.quote(ask(t.a, t.b));
    await t.compute.pay(job.key);
    t.onChain.state = 1;
    t.mined[PAY_TX] = "success";
    t.onChain.blockTime = DELIVER_BY + 1;
    await vi.waitUntil(async () => (await t.compute.get(job.key)).onChain?.blockTime === DELIVER_BY + 1, { timeout: 5_000 });
    await t.compute.disputeDelivery(job.key);
    t.onChain.state = 2;
    t.onChain.deadline = DELIVER_BY + 1 + RESPONSE_WINDOW;
    t.mined[DISPUTE_TX] = "success";
    await vi.waitUntil(async () => (await t.compute.get(job.key)).status === "disputed", { timeout: 5_000 });
    t.onChain.state = 1;
    t.onChain.delivered = true;
    t.onChain.deadline = 0;
    state = "done";
    await vi.waitUntil(async () => (await t.compute.get(job.key)).status === "done", { timeout: 5_000 });
    expect((await t.compute.get(job.key)).receipt?.signer).toBe(providerSigner.address);
    expect((await t.compute.get(job.key)).credited).toBeNull();
  });

  it("a restart while the wallet is asked to pay: the job's JobPaid event is found and followed, nothing is paid twice", async () => {
    let quoteJson!: JobQuoteJson;
    const server: Server = {
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state: "running", progress: 0.25, quote: quoteJson, receipt: null, error: null }),
    };
    // The wallet never answers this service worker: it stops while the approval is open.
    const first = await setup(server, undefined, { send: () => new Promise<Hex>(() => undefined) });
    const job = await first.compute.quote(ask(first.a, first.b));
    void first.compute.pay(job.key);
    await vi.waitUntil(async () => (await first.compute.get(job.key)).payRequested, { timeout: 5_000 });
    expect((await first.compute.get(job.key))).toMatchObject({ status: "quoted", payRequested: { at: NOW, fromBlock: 42 }, actions: [] });

    // A payment of another job's terms under this id is not taken for this one.
    const second = await setup(server, first.name);
    second.payments.push({ txHash: PAY_TX, blockNumber: 43, client, jobHash: `0x${"ee".repeat(32)}`, price: PRICE });
    await second.compute.resume();
    await vi.waitUntil(() => second.chain.findJobPayment.mock.calls.length >= 2, { timeout: 5_000 });
    expect(second.chain.findJobPayment).toHaveBeenCalledWith(COMPUTE, JOB_ID, 42);
    expect((await second.compute.get(job.key)).status).toBe("quoted");

    // The wallet sent it: the JobPaid event names this client, price and terms.
    second.payments.push({ txHash: PAY_TX, blockNumber: 43, client, jobHash: jobHash(quoteFromJson(quoteJson)), price: PRICE });
    second.onChain.state = 1;
    second.mined[PAY_TX] = "success";
    await vi.waitUntil(async () => (await second.compute.get(job.key)).progress === 0.25, { timeout: 5_000 });
    const paid = await second.compute.get(job.key);
    expect(paid).toMatchObject({ status: "computing", payRequested: null });
    expect(paid.actions).toEqual([expect.objectContaining({ kind: "pay", txHash: PAY_TX, status: "confirmed" })]);
    expect(second.chain.send).not.toHaveBeenCalled();
    await expect(second.compute.pay(job.key)).rejects.toMatchObject({ human: { code: "AlreadyPaid" } });
  });

  it("a payment the wallet refused, or one never sent before the price expired, leaves the job unpaid and payable", async () => {
    const refused = await setup({ quote: (body) => signedQuote(body) }, undefined, { send: async () => Promise.reject(new Error("User rejected the request.")) });
    const job = await refused.compute.quote(ask(refused.a, refused.b));
    await expect(refused.compute.pay(job.key)).rejects.toThrow(/rejected/);
    expect(await refused.compute.get(job.key)).toMatchObject({ status: "quoted", payRequested: null, actions: [] });

    let clock = NOW;
    const first = await setup({ quote: (body) => signedQuote(body) }, undefined, { send: () => new Promise<Hex>(() => undefined) });
    const lost = await first.compute.quote(ask(first.a, first.b));
    void first.compute.pay(lost.key);
    await vi.waitUntil(async () => (await first.compute.get(lost.key)).payRequested, { timeout: 5_000 });
    const second = await setup({}, first.name, { now: () => clock });
    await second.compute.resume();
    await vi.waitUntil(() => second.chain.findJobPayment.mock.calls.length >= 1, { timeout: 5_000 });
    clock = 1_800_000_601_000; // past the quote's expiresAt: the wallet can no longer pay it
    await vi.waitUntil(async () => (await second.compute.get(lost.key)).payRequested === null, { timeout: 5_000 });
    expect((await second.compute.get(lost.key)).status).toBe("quoted");
    expect(second.chain.send).not.toHaveBeenCalled();
  });

  it("a signed result that cannot be downloaded: challenges one chunk with the bond; unanswered, the claim is price + fine + bond (wei); answered, the result is checked again", async () => {
    let quoteJson!: JobQuoteJson;
    const server: Server = {
      quote: async (body) => {
        const q = await signedQuote(body);
        quoteJson = q.quote;
        return q;
      },
      job: async () => ({ jobId: JOB_ID, state: "done", progress: 1, quote: quoteJson, receipt: await signedReceipt(quoteJson), error: null }),
    };
    for (const answered of [false, true]) {
      const { compute, chain, mined, onChain, a, b } = await setup(server);
      const job = await compute.quote(ask(a, b));
      await expect(compute.challengeResult(job.key)).rejects.toMatchObject({ human: { code: "NoResult" } });
      await compute.pay(job.key);
      onChain.state = 1;
      mined[PAY_TX] = "success";
      await vi.waitUntil(async () => (await compute.get(job.key)).status === "done", { timeout: 5_000 });
      const done = await compute.get(job.key);
      onChain.blockTime = onChain.closesAt;
      await expect(compute.challengeResult(job.key)).rejects.toMatchObject({ human: { code: "TooLate" } });
      onChain.blockTime = DELIVER_BY - 100;
      expect(await compute.challengeResult(job.key)).toBe(CHALLENGE_TX);
      const call = chain.send.mock.calls.at(-1)![2] as unknown as { functionName: string; args: readonly unknown[]; value: bigint };
      expect(call.functionName).toBe("challengeResult");
      expect(call.value).toBe(BOND);
      expect(call.args.slice(0, 3)).toEqual([quoteFromJson(quoteJson), { resultRoot: done.receipt!.resultRoot, resultSize: BigInt(done.receipt!.resultSize), link: done.receipt!.link }, done.receipt!.signature]);
      expect(call.args[3]).toBeLessThan(BigInt(Math.ceil(done.receipt!.resultSize / 1024)));
      onChain.state = 3; // ResultChallenged
      onChain.delivered = true;
      onChain.deadline = DELIVER_BY - 100 + RESPONSE_WINDOW;
      mined[CHALLENGE_TX] = "success";
      await vi.waitUntil(async () => (await compute.get(job.key)).status === "challenged", { timeout: 5_000 });
      if (answered) {
        onChain.state = 1; // respondResult: the chunk was published, the bond is the provider's
        onChain.deadline = 0;
        await vi.waitUntil(async () => (await compute.get(job.key)).status === "done", { timeout: 5_000 });
        await expect(compute.claimPenalty(job.key)).rejects.toMatchObject({ human: { code: "NothingToClaim" } });
        expect((await compute.get(job.key)).credited).toBeNull();
        continue;
      }
      onChain.blockTime = onChain.deadline;
      await expect(compute.claimPenalty(job.key)).rejects.toMatchObject({ human: { code: "TooEarly" } });
      onChain.blockTime = onChain.deadline + 1;
      expect(await compute.claimPenalty(job.key)).toBe(CLAIM_TX);
      onChain.state = 6;
      onChain.deadline = 0;
      mined[CLAIM_TX] = "success";
      await vi.waitUntil(async () => (await compute.get(job.key)).status === "penalized", { timeout: 5_000 });
      expect((await compute.get(job.key)).credited).toBe((PRICE + FINE + BOND).toString());
      expect(chain.send.mock.calls.map((c) => (c[2] as { functionName: string }).functionName)).toEqual(["pay", "challengeResult", "claimPenalty"]);
    }
  });
});
