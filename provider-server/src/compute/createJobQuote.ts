import { computeContractAbi } from "@pekanu/protocol/contract";
import { type JobQuote, jobGeometry, jobQuoteTypedData, MATRIX_TRAILER_SIZE, readMatrixTrailer } from "@pekanu/protocol/compute";
import { randomBytes } from "node:crypto";
import { type Address, type Hex, toHex } from "viem";
import { ApiError } from "../ApiError.ts";
import { chainNow } from "../chain/chainNow.ts";
import type { ServerContext } from "../context.ts";
import { computeKernels, jobMulAdds } from "./computeKernels.ts";

/** Largest inputs + result of one job, in bytes (they are in memory together while it runs). */
export const MAX_JOB_BYTES = 1 << 30;

export type JobQuoteParameters = { kernel: number; inputA: Hex; inputB: Hex; m: number; k: number; n: number };

/** price = max(minPrice, ⌈mulAdds · pricePerGigaMulAdd / 10^9⌉); fine = price × the storage fine multiplier. */
export function priceJob({ ctx, mulAdds }: { ctx: ServerContext; mulAdds: number }): { price: bigint; fine: bigint } {
  const { compute, pricing } = ctx.config;
  const raw = (BigInt(mulAdds) * compute.pricePerGigaMulAdd + 999_999_999n) / 1_000_000_000n;
  const price = raw > compute.minPrice ? raw : compute.minPrice;
  const fine = (price * BigInt(Math.round(pricing.fineMultiplier * 10_000))) / 10_000n;
  return { price, fine };
}

/**
 * Checks one input: a file this client stores with a receipt (or the result of one of its jobs),
 * a readable PKMX matrix whose trailer declares exactly the shape and layout the job needs.
 */
async function checkInput({ ctx, client, fileRoot, name, want }: {
  ctx: ServerContext;
  client: Address;
  fileRoot: Hex;
  name: "A" | "B";
  want: { rows: number; cols: number; layout: string };
}): Promise<void> {
  const owned = (await ctx.store.orders.clientHoldsReceipt({ client, fileRoot })) || (await ctx.store.jobs.clientOwnsResult({ client, fileRoot }));
  if (!owned) throw new ApiError("NotYourFile", `input ${name} is not a stored, paid and delivered file of yours`);
  const size = await ctx.blobs.size(fileRoot);
  if (size === undefined) throw new ApiError("NotYourFile", `input ${name} is not stored here any more`);
  if (size < MATRIX_TRAILER_SIZE) throw new ApiError("InputEncrypted", `input ${name} is not a matrix file (PKMX): it is encrypted or another kind of file`);
  const trailer = await ctx.blobs.readRange({ fileRoot, start: size - MATRIX_TRAILER_SIZE, length: MATRIX_TRAILER_SIZE });
  let g;
  try {
    g = readMatrixTrailer({ trailer: new Uint8Array(trailer.buffer, trailer.byteOffset, trailer.byteLength), size });
  } catch (error) {
    throw new ApiError("InputEncrypted", `input ${name} is not a matrix file (PKMX): it is encrypted or another kind of file (${(error as Error).message})`);
  }
  if (g.rows !== want.rows || g.cols !== want.cols || g.layout !== want.layout) {
    throw new ApiError("WrongDimensions", `input ${name} is ${g.rows}×${g.cols} stored by ${g.layout}; the job needs ${want.rows}×${want.cols} stored by ${want.layout}`);
  }
}

/**
 * POST /v1/jobs/quotes: a JobQuote signed by the signer key for `kernel` on two of the client's
 * stored files. Refuses (nothing stored) unknown kernels, jobs above the limits, inputs that are not
 * the client's stored files, that are not matrix files, or whose shape disagrees with m, k, n.
 */
export async function createJobQuote({ ctx, client, kernel, inputA, inputB, m, k, n }: { ctx: ServerContext; client: Address } & JobQuoteParameters): Promise<{ quote: JobQuote; signature: Hex }> {
  const compute = ctx.compute;
  if (!compute) throw new ApiError("NotFound", "this provider runs no compute jobs");
  const info = computeKernels.find((kern) => kern.id === kernel);
  if (!info) throw new ApiError("UnknownKernel", `unknown kernel ${kernel}; known: ${computeKernels.map((kern) => `${kern.id} (${kern.name})`).join(", ")}`);
  let g;
  try {
    g = jobGeometry({ kernel, m, k, n });
  } catch (error) {
    throw new ApiError("WrongDimensions", (error as Error).message);
  }
  if (m > info.maxM || k > info.maxK || n > info.maxN) {
    throw new ApiError("JobTooLarge", `${info.name} takes m ≤ ${info.maxM}, k ≤ ${info.maxK}, n ≤ ${info.maxN}`);
  }
  // Inputs and result are held in memory (and in the kernel's 32-bit WebAssembly memory) at once.
  const bytes = g.a.size + g.b.size + g.result.size;
  if (bytes > MAX_JOB_BYTES) throw new ApiError("JobTooLarge", `the job's files total ${bytes} bytes; this provider takes at most ${MAX_JOB_BYTES}`);
  const mulAdds = jobMulAdds({ m, k, n });
  if (mulAdds > ctx.config.compute.maxMulAdds) throw new ApiError("JobTooLarge", `the job has ${mulAdds} multiply-adds; this provider takes at most ${ctx.config.compute.maxMulAdds}`);
  await checkInput({ ctx, client, fileRoot: inputA, name: "A", want: g.a });
  await checkInput({ ctx, client, fileRoot: inputB, name: "B", want: g.b });

  if (compute.signer.toLowerCase() !== ctx.chain.signer.address.toLowerCase()) {
    throw new ApiError("QuoteRejected", "the provider is not accepting jobs right now (signer key mismatch)");
  }
  const { price, fine } = priceJob({ ctx, mulAdds });
  let now: number;
  let stake: readonly [bigint, bigint];
  try {
    [now, stake] = await Promise.all([
      chainNow({ chain: ctx.chain }),
      ctx.chain.publicClient.readContract({ address: compute.address, abi: computeContractAbi, functionName: "stake" }),
    ]);
  } catch (error) {
    throw new ApiError("ChainUnavailable", "cannot reach the chain to prepare a quote", { cause: error });
  }
  if (fine > stake[0] - stake[1]) throw new ApiError("QuoteRejected", "the provider's free compute stake cannot back the fine of this job now");
  const quote: JobQuote = {
    jobId: toHex(randomBytes(32)),
    client,
    kernel,
    inputA,
    inputB,
    m,
    k,
    n,
    price,
    fine,
    deliverBy: BigInt(now + ctx.config.compute.deliverSeconds),
    expiresAt: BigInt(now + Math.min(ctx.config.pricing.quoteTtlSeconds, ctx.config.compute.deliverSeconds - 1)),
  };
  const signature = await ctx.chain.signer.signTypedData(jobQuoteTypedData({ domain: compute.domain, quote }));
  await ctx.store.jobs.insert({ quote, quoteSignature: signature, quotedAt: Math.floor(Date.now() / 1000) });
  ctx.log.info({ jobId: quote.jobId, client, kernel, m, k, n, price: price.toString() }, "job quote issued");
  return { quote, signature };
}
