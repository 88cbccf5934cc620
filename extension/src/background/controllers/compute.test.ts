import "fake-indexeddb/auto";
import { jobQuoteTypedData, jobReceiptFor, jobReceiptTypedData, matrixGeometry, type ItemProof } from "@pekanu/protocol/compute";
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
async function setup(server: Server = {}, name = `compute-${Math.random()}`) {
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
  const chain = {
    signer: vi.fn(async () => providerSigner.address),
    withdrawable: vi.fn(async () => PRICE + FINE),
    jobOf: vi.fn(async () => ({ state: 1, delivered: false, paidAt: 1 })),
    balance: vi.fn(async () => 10n ** 18n),
    maxFeePerGas: vi.fn(async () => 2_000_000_000n),
    estimateGas: vi.fn(async () => 150_000n),
    send: vi.fn(async (_c: Address, _f: Address, call: { functionName: string }) => (call.functionName === "pay" ? PAY_TX : FRAUD_TX)),
    waitForReceipt: vi.fn(async (hash: Hex) => {
      await vi.waitUntil(() => mined[hash], { timeout: 5_000, interval: 5 });
      return { status: mined[hash], blockNumber: 7n, gasUsed: 100_000n, effectiveGasPrice: 1_000_000_000n };
    }),
  };
  const compute = new ComputeController({ messenger, chain: chain as never, account: async () => client, fetch, now: () => NOW, pollMs: 5 });
  const db = () => messenger.call("vaultdb:open");
  // Two stored, unencrypted matrix files: A (4×4 by rows), B (4×4 by columns).
  const a = { ...(await makeRecord(1)), fileName: "a.pkmx", size: matrixGeometry({ rows: M, cols: K, layout: "rows" }).size, encryption: null };
  const b = { ...(await makeRecord(2)), fileName: "b.pkmx", size: matrixGeometry({ rows: K, cols: N, layout: "columns" }).size, encryption: null };
  await (await db()).save(a);
  await (await db()).save(b);
  return { compute, chain, fetch, requests, mined, db, a, b, messenger, name };
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
});
