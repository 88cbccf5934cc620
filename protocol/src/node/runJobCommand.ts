// `pekanu job …`: run a compute job by hand against a provider, with a private key from the
// environment (PEKANU_KEY; never a flag: it would show in `ps` and the shell history). Each command
// signs in (EIP-4361), does one step and prints what it did (JSON with --json).
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type Address, createPublicClient, createWalletClient, defineChain, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { infoResponse, quoteResponse, receiptResponse } from "../api.ts";
import { jobQuoteResponse, jobResponse } from "../compute/api.ts";
import { buildItemProof } from "../compute/buildItemProof.ts";
import { KERNEL } from "../compute/constants.ts";
import { decodeMatrix } from "../compute/decodeMatrix.ts";
import { locateWrongEntry } from "../compute/locateWrongEntry.ts";
import { computeContractAbi } from "../contract/computeContractAbi.ts";
import { serverContractAbi } from "../contract/serverContractAbi.ts";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { inclusionProof } from "../merkle/inclusionProof.ts";
import { splitChunks } from "../merkle/splitChunks.ts";
import { nodeSha256 } from "./nodeSha256.ts";

export class JobUsageError extends Error {}

export const JOB_USAGE = `Usage (the client's private key in PEKANU_KEY; --provider URL, default http://127.0.0.1:8787;
--rpc URL, default http://127.0.0.1:8545; --json for machine-readable output):
  pekanu job store FILE [--days N]      store FILE with the provider (register, quote, pay, upload);
                                        prints its file root (an input of a job)
  pekanu job quote A_ROOT B_ROOT --m M --k K --n N [--kernel matmul|polyEval] --out JOB.json
                                        ask for a signed JobQuote on two of your stored files
  pekanu job pay JOB.json               pay the quote into the ComputeContract's escrow
  pekanu job status JOB_ID              the job's state, progress and receipt
  pekanu job fetch JOB_ID OUT           wait until done, download the result, check its root
  (then check it: pekanu matrix verify A B C — Freivalds, error below 2^-62, names a wrong entry)
  pekanu job fraud JOB.json A B C       find a wrong entry of C and file the one-entry fraud proof
                                        (price + fine credited to you at once)
  pekanu job withdraw                   pay out what the ComputeContract owes you`;

type Ctx = { provider: string; rpc: string; json: boolean; out: (text: string) => void };

const kernelIds: Record<string, number> = { matmul: KERNEL.matmul, polyEval: KERNEL.polyEval };

function clientKey(): Hex {
  const key = process.env.PEKANU_KEY?.trim();
  if (!key) throw new JobUsageError("set PEKANU_KEY to the client's private key (0x + 64 hex digits)");
  const hex = (key.startsWith("0x") ? key : `0x${key}`) as Hex;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new JobUsageError("PEKANU_KEY is not a 32-byte hex private key");
  return hex;
}

async function api<T>(ctx: Ctx, path: string, { token, method = "GET", body, parse }: { token?: string; method?: string; body?: unknown; parse?: { parse(v: unknown): T } } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) {
    headers["content-type"] = "application/octet-stream";
    payload = body as BodyInit;
  } else if (body !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(`${ctx.provider}${path}`, { method, headers, body: payload });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json?.error?.code ?? ""} ${json?.error?.message ?? text}`.trim());
  return parse ? parse.parse(json) : (json as T);
}

/** Signs in (EIP-4361) and returns the session plus chain clients for the provider's chain. */
async function session(ctx: Ctx) {
  const account = privateKeyToAccount(clientKey());
  const info = await api(ctx, "/v1/info", { parse: infoResponse });
  const { nonce } = await api<{ nonce: string }>(ctx, "/v1/auth/nonce");
  const url = new URL(ctx.provider);
  const message = createSiweMessage({ domain: url.host, address: account.address, statement: "Sign in to the Pekanu storage provider.", uri: url.origin, version: "1", chainId: info.chainId, nonce, issuedAt: new Date() });
  const { token } = await api<{ token: string }>(ctx, "/v1/auth/session", { method: "POST", body: { message, signature: await account.signMessage({ message }) } });
  const chain = defineChain({ id: info.chainId, name: `chain ${info.chainId}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [ctx.rpc] } } });
  const publicClient = createPublicClient({ chain, transport: http(ctx.rpc) });
  const walletClient = createWalletClient({ chain, transport: http(ctx.rpc), account });
  return { account, info, token, publicClient, walletClient };
}

function computeOf(info: Awaited<ReturnType<typeof session>>["info"]): Address {
  if (!info.compute) throw new Error("this provider runs no compute jobs (/v1/info compute is null)");
  return info.compute.contract;
}

async function mined(s: Awaited<ReturnType<typeof session>>, hash: Hex) {
  const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

const toJson = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);

async function readJob(path: string) {
  return jobQuoteResponse.parse(JSON.parse(await readFile(path, "utf8")));
}

async function matrices(a: string, b: string, c: string) {
  const [fa, fb, fc] = await Promise.all([a, b, c].map(async (p) => new Uint8Array(await readFile(p))));
  return { fa: fa!, fb: fb!, fc: fc!, A: decodeMatrix(fa!).matrix, B: decodeMatrix(fb!).matrix, C: decodeMatrix(fc!).matrix };
}

export async function runJobCommand({ argv, out }: { argv: string[]; out: (text: string) => void }): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        provider: { type: "string" },
        rpc: { type: "string" },
        json: { type: "boolean" },
        days: { type: "string" },
        kernel: { type: "string" },
        m: { type: "string" },
        k: { type: "string" },
        n: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new JobUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub, ...args] = positionals;
  if (values.help || sub === undefined) {
    out(`${JOB_USAGE}\n`);
    if (!values.help) throw new JobUsageError("job: missing subcommand");
    return;
  }
  const ctx: Ctx = { provider: (values.provider ?? "http://127.0.0.1:8787").replace(/\/+$/, ""), rpc: values.rpc ?? "http://127.0.0.1:8545", json: values.json ?? false, out };
  const print = (object: unknown, lines: string[]) => out(ctx.json ? `${toJson(object)}\n` : `${lines.join("\n")}\n`);
  const need = (count: number, names: string) => {
    if (args.length !== count) throw new JobUsageError(`job ${sub}: expected ${names}`);
  };
  const int = (name: "m" | "k" | "n") => {
    const v = values[name];
    if (v === undefined || !/^\d+$/.test(v)) throw new JobUsageError(`job quote: --${name} must be a positive integer`);
    return Number(v);
  };

  switch (sub) {
    case "store": {
      need(1, "FILE");
      const bytes = new Uint8Array(await readFile(args[0]!));
      const fileRoot = fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;
      const s = await session(ctx);
      await api(ctx, "/v1/registrations", { token: s.token, method: "POST" });
      const q = await api(ctx, "/v1/quotes", { token: s.token, method: "POST", body: { fileRoot, size: bytes.length, storageDays: Number(values.days ?? 30) }, parse: quoteResponse });
      const hash = await s.walletClient.writeContract({ address: s.info.contract.address, abi: serverContractAbi, functionName: "pay", args: [q.quote, q.signature], value: q.quote.price, chain: s.walletClient.chain, account: s.account });
      await mined(s, hash);
      // The provider counts the payment once confirmed: retry the upload until it does.
      let receipt;
      for (let attempt = 0; ; attempt++) {
        try {
          const body = q.ownershipChallenge
            ? { proofs: q.ownershipChallenge.indices.map((index) => ({ index, chunk: Buffer.from(splitChunks(bytes)[index]!).toString("base64"), proof: inclusionProof({ chunks: splitChunks(bytes), index, sha256: nodeSha256 }) })) }
            : bytes;
          receipt = await api(ctx, `/v1/orders/${q.quote.orderId}/content`, { token: s.token, method: "PUT", body, parse: receiptResponse });
          break;
        } catch (error) {
          if (attempt > 60 || !/OrderNotPaid/.test((error as Error).message)) throw error;
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      print({ fileRoot, size: bytes.length, orderId: q.quote.orderId, price: q.quote.price, receipt }, [`stored   ${args[0]}`, `root     ${fileRoot}`, `order    ${q.quote.orderId} (paid ${q.quote.price} wei)`]);
      return;
    }
    case "quote": {
      need(2, "A_ROOT B_ROOT");
      if (!values.out) throw new JobUsageError("job quote: --out JOB.json is required (pay reads it)");
      const kernel = kernelIds[values.kernel ?? "matmul"];
      if (kernel === undefined) throw new JobUsageError(`job quote: --kernel must be matmul or polyEval`);
      const s = await session(ctx);
      const answer = await api(ctx, "/v1/jobs/quotes", { token: s.token, method: "POST", body: { kernel, inputA: args[0], inputB: args[1], m: int("m"), k: int("k"), n: int("n") }, parse: jobQuoteResponse });
      await writeFile(values.out, toJson(jobQuoteResponse.encode(answer)));
      const q = answer.quote;
      print(answer, [`job      ${q.jobId}`, `price    ${q.price} wei (fine ${q.fine} wei if the result is wrong or late)`, `deliver  by ${new Date(Number(q.deliverBy) * 1000).toISOString()}`, `saved    ${values.out} (pay it: pekanu job pay ${values.out})`]);
      return;
    }
    case "pay": {
      need(1, "JOB.json");
      const job = await readJob(args[0]!);
      const s = await session(ctx);
      const hash = await s.walletClient.writeContract({ address: computeOf(s.info), abi: computeContractAbi, functionName: "pay", args: [job.quote, job.signature], value: job.quote.price, chain: s.walletClient.chain, account: s.account });
      const receipt = await mined(s, hash);
      print({ jobId: job.quote.jobId, txHash: hash, blockNumber: receipt.blockNumber }, [`paid     ${job.quote.price} wei for job ${job.quote.jobId}`, `tx       ${hash}`]);
      return;
    }
    case "status": {
      need(1, "JOB_ID");
      const s = await session(ctx);
      const job = await api(ctx, `/v1/jobs/${args[0]}`, { token: s.token, parse: jobResponse });
      print(jobResponse.encode(job), [`job      ${job.jobId}`, `state    ${job.state} (${Math.round(job.progress * 100)} %)`, ...(job.receipt ? [`result   ${job.receipt.resultRoot} (${job.receipt.resultSize} bytes)`, `link     ${job.receipt.link}`] : []), ...(job.error ? [`error    ${job.error}`] : [])]);
      return;
    }
    case "fetch": {
      need(2, "JOB_ID OUT");
      const s = await session(ctx);
      let job = await api(ctx, `/v1/jobs/${args[0]}`, { token: s.token, parse: jobResponse });
      while (!job.receipt) {
        if (job.state === "failed" || job.state === "refunded") throw new Error(`job ${job.jobId} is ${job.state}${job.error ? `: ${job.error}` : ""}`);
        await new Promise((r) => setTimeout(r, 1000));
        job = await api(ctx, `/v1/jobs/${args[0]}`, { token: s.token, parse: jobResponse });
      }
      const response = await fetch(job.receipt.link, { headers: { authorization: `Bearer ${s.token}` } });
      if (!response.ok) throw new Error(`download: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const root = fileRootOf(bytes, { sha256: nodeSha256 });
      if (root !== job.receipt.resultRoot) throw new Error(`the downloaded result's root ${root} is not the signed ${job.receipt.resultRoot}`);
      await writeFile(args[1]!, bytes);
      print({ jobId: job.jobId, out: args[1], resultRoot: root, size: bytes.length }, [`result   ${args[1]} (${bytes.length} bytes, root ${root} as signed)`, `verify   pekanu matrix verify A B ${args[1]}`]);
      return;
    }
    case "fraud": {
      need(4, "JOB.json A B C");
      const job = await readJob(args[0]!);
      const { fa, fb, fc, A, B, C } = await matrices(args[1]!, args[2]!, args[3]!);
      const wrong = locateWrongEntry({ a: A, b: B, c: C });
      if (!wrong) throw new Error("no wrong entry found: the result is correct (a fraud proof against it would revert)");
      const s = await session(ctx);
      const status = await api(ctx, `/v1/jobs/${job.quote.jobId}`, { token: s.token, parse: jobResponse });
      if (!status.receipt) throw new Error("the job has no signed receipt yet");
      const q = job.quote;
      const item = buildItemProof({ kernel: q.kernel, m: q.m, k: q.k, n: q.n, a: fa, b: fb, result: fc, i: wrong.i, j: wrong.j, sha256: nodeSha256 });
      const r = status.receipt;
      const hash = await s.walletClient.writeContract({ address: computeOf(s.info), abi: computeContractAbi, functionName: "proveFraud", args: [q, { resultRoot: r.resultRoot, resultSize: r.resultSize, link: r.link }, r.signature, item], chain: s.walletClient.chain, account: s.account });
      await mined(s, hash);
      print({ jobId: q.jobId, i: wrong.i, j: wrong.j, txHash: hash, credited: q.price + q.fine }, [`fraud proven: C[${wrong.i}][${wrong.j}] is ${wrong.found}, should be ${wrong.expected}`, `credited ${q.price + q.fine} wei (price + fine): pekanu job withdraw`, `tx       ${hash}`]);
      return;
    }
    case "withdraw": {
      need(0, "nothing");
      const s = await session(ctx);
      const address = computeOf(s.info);
      const amount = await s.publicClient.readContract({ address, abi: computeContractAbi, functionName: "withdrawable", args: [s.account.address] });
      if (amount === 0n) throw new Error("nothing to withdraw");
      const hash = await s.walletClient.writeContract({ address, abi: computeContractAbi, functionName: "withdraw", chain: s.walletClient.chain, account: s.account });
      await mined(s, hash);
      print({ amount, txHash: hash }, [`withdrawn ${amount} wei`, `tx        ${hash}`]);
      return;
    }
    default:
      throw new JobUsageError(`job: unknown subcommand '${sub}'`);
  }
}
