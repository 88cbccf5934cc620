// Shared setup for the ComputeContract tests: a fresh EDR chain, the provider (owner = account 0,
// signer = account 1), clients, and helpers that build REAL jobs — matrix files in the PKMX format,
// their RFC 6962 roots, the provider's result computed by the protocol's kernels, signed quotes and
// receipts, and one-item fraud proofs — all from @pekanu/protocol/compute.
import { network } from "hardhat";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import {
  type ComputeDomain,
  type ComputeParams,
  type ItemProof,
  type JobQuote,
  type JobResult,
  type Matrix,
  FIELD_PRIME,
  KERNEL,
  buildItemProof,
  decodeMatrix,
  encodeMatrix,
  jobQuoteTypedData,
  jobReceiptFor,
  jobReceiptTypedData,
  runJob,
} from "@pekanu/protocol/compute";
import { fileRootOf } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";

export const testComputeParams: ComputeParams = {
  verifyWindow: 200n,
  responseWindow: 50n,
  challengeCooldown: 20n,
  challengeBond: parseEther("0.01"),
};

export const COMPUTE_STAKE = parseEther("10");
export const LINK = "https://provider.example/v1/files/result";

export function randomMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: Uint32Array.from({ length: rows * cols }, () => Math.floor(Math.random() * FIELD_PRIME)) };
}

export const rootOf = (bytes: Uint8Array): Hex => fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;

/** The input files of a job and the correct result, with their roots. */
export type JobFiles = {
  kernel: number;
  m: number;
  k: number;
  n: number;
  a: Uint8Array;
  b: Uint8Array;
  result: Uint8Array;
};

/** Random inputs for `kernel` with dims m, k, n, and the correct result computed by the protocol's kernel. */
export function makeJobFiles({ kernel = KERNEL.matmul, m, k, n }: { kernel?: number; m: number; k: number; n: number }): JobFiles {
  const a = encodeMatrix({ matrix: randomMatrix(kernel === KERNEL.matmul ? m : 1, k) });
  const b = kernel === KERNEL.matmul ? encodeMatrix({ matrix: randomMatrix(k, n), layout: "columns" }) : encodeMatrix({ matrix: randomMatrix(1, n) });
  return { kernel, m, k, n, a, b, result: runJob({ kernel, m, k, n, a, b }) };
}

/** `result` with item (i, j) replaced by `value` (default: the correct value + 1 mod p). */
export function withWrongItem(files: JobFiles, i: number, j: number, value?: number): Uint8Array {
  const decoded = decodeMatrix(files.result).matrix;
  const at = i * decoded.cols + j;
  decoded.data[at] = value ?? (decoded.data[at]! + 1) % FIELD_PRIME;
  return encodeMatrix({ matrix: decoded });
}

export function resultOf(result: Uint8Array): JobResult {
  return { resultRoot: rootOf(result), resultSize: BigInt(result.length), link: LINK };
}

export function itemProof(files: JobFiles, result: Uint8Array, i: number, j: number): ItemProof {
  return buildItemProof({ ...files, result, i, j, sha256: nodeSha256 });
}

export async function deployComputeFixture(options: { stake?: bigint; params?: ComputeParams } = {}) {
  const connection = await network.create();
  const { viem, networkHelpers } = connection;
  const [owner, signer, alice, bob, stranger, newSigner] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const params = options.params ?? testComputeParams;
  const contract = await viem.deployContract("ComputeContract", [signer.account.address, params], {
    client: { wallet: owner },
    value: options.stake ?? COMPUTE_STAKE,
  });
  const chainId = await publicClient.getChainId();
  const domain: ComputeDomain = { chainId, verifyingContract: contract.address };
  let nonce = 0;

  async function now(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest());
  }

  async function makeQuote(files: JobFiles, overrides: Partial<JobQuote> & { client: Address }): Promise<JobQuote> {
    const t = await now();
    nonce += 1;
    return {
      jobId: keccak256(toHex(`job-${nonce}-${Math.random()}`)),
      kernel: files.kernel,
      inputA: rootOf(files.a),
      inputB: rootOf(files.b),
      m: files.m,
      k: files.k,
      n: files.n,
      price: parseEther("0.1"),
      fine: parseEther("0.5"),
      deliverBy: t + 100n,
      expiresAt: t + 600n,
      ...overrides,
    };
  }

  async function signQuote(quote: JobQuote, by = signer, dom: ComputeDomain = domain): Promise<Hex> {
    return by.signTypedData({ account: by.account, ...jobQuoteTypedData({ domain: dom, quote }) });
  }

  async function signReceipt(quote: JobQuote, result: JobResult, by = signer, dom: ComputeDomain = domain): Promise<Hex> {
    return by.signTypedData({ account: by.account, ...jobReceiptTypedData({ domain: dom, receipt: jobReceiptFor({ quote, result }) }) });
  }

  /**
   * A paid job on real files: the provider's result (correct, or `result` if given) and its signed
   * receipt. Returns everything a client or provider holds.
   */
  async function paidJob(
    opts: { client?: typeof alice; files?: JobFiles; result?: Uint8Array; overrides?: Partial<JobQuote> } = {},
  ) {
    const client = opts.client ?? alice;
    const files = opts.files ?? makeJobFiles({ m: 3, k: 5, n: 4 });
    const quote = await makeQuote(files, { client: client.account.address, ...opts.overrides });
    await contract.write.pay([quote, await signQuote(quote)], { account: client.account, value: quote.price });
    const resultBytes = opts.result ?? files.result;
    const result = resultOf(resultBytes);
    const receiptSig = await signReceipt(quote, result);
    return { client, files, quote, resultBytes, result, receiptSig };
  }

  /** Everything a refused call must leave alone for the given jobs. */
  async function snapshot(jobIds: readonly Hex[]) {
    const wallets = [owner, alice, bob, stranger, signer];
    return {
      jobs: await Promise.all(jobIds.map((id) => Promise.all([contract.read.jobOf([id]), contract.read.pendingOf([id])]))),
      stake: await contract.read.stake(),
      withdrawable: await Promise.all(wallets.map((w) => contract.read.withdrawable([w.account.address]))),
      contractBalance: await publicClient.getBalance({ address: contract.address }),
    };
  }

  return {
    connection,
    viem,
    networkHelpers,
    publicClient,
    contract,
    params,
    domain,
    chainId,
    owner,
    signer,
    alice,
    bob,
    stranger,
    newSigner,
    now,
    makeQuote,
    signQuote,
    signReceipt,
    paidJob,
    snapshot,
  };
}

export type ComputeFixture = Awaited<ReturnType<typeof deployComputeFixture>>;
