import { computeContractAbi } from "@pekanu/protocol/contract";
import { JobState } from "@pekanu/protocol/compute";
import type { Hex } from "viem";
import { TxRevertedError } from "../chain/createTxSender.ts";
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/jobStore.ts";

/** publishReceipt's arguments for a job with a signed receipt. */
export function publishArgs(job: JobRecord) {
  const r = job.receipt!;
  return [job.quote, { resultRoot: r.resultRoot, resultSize: BigInt(r.resultSize), link: r.link }, r.signature] as const;
}

/**
 * Shows a done job's JobReceipt on chain (ComputeContract.publishReceipt) through the owner's
 * transaction sender, unless the chain already has it: the job's on-chain state is read first, a
 * transaction sent before a restart is followed rather than sent again, and a race lost to the
 * dispute answer (already delivered) counts as published.
 */
export async function publishJobReceipt({ ctx, job }: { ctx: ServerContext; job: JobRecord }): Promise<"published" | "already" | "notDeliverable"> {
  const compute = ctx.compute!;
  const contract = { address: compute.address, abi: computeContractAbi } as const;
  const [state, delivered] = await ctx.chain.publicClient.readContract({ ...contract, functionName: "jobOf", args: [job.quote.jobId] });
  if (delivered) return "already";
  if (state !== JobState.Paid && state !== JobState.DeliveryDisputed) return "notDeliverable";
  if (job.publishTx) {
    const receipt = await ctx.txSender.wait(job.publishTx).catch(() => undefined);
    if (receipt?.status === "success") return "published";
  }
  let txHash: Hex;
  try {
    txHash = await ctx.txSender.submit({
      to: compute.address,
      abi: computeContractAbi,
      functionName: "publishReceipt",
      args: publishArgs(job),
      label: `publishJobReceipt ${job.quote.jobId}`,
    });
  } catch (error) {
    if (error instanceof TxRevertedError && error.reason === "ComputeContractAlreadyDelivered") return "already";
    throw error;
  }
  await ctx.store.jobs.setPublishTx({ jobId: job.quote.jobId, txHash });
  const receipt = await ctx.txSender.wait(txHash);
  if (receipt.status !== "success") throw new Error(`publishReceipt for ${job.quote.jobId} reverted in ${receipt.transactionHash}`);
  ctx.log.info({ jobId: job.quote.jobId, txHash: receipt.transactionHash }, "job receipt published");
  return "published";
}
