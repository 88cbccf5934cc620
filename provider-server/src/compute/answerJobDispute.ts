import { JobState } from "@pekanu/protocol/compute";
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { ServerContext } from "../context.ts";
import { type AnswerOutcome, refundMarginSeconds } from "../disputes/answerDeliveryDispute.ts";
import type { JobRecord } from "../store/jobStore.ts";
import { publishArgs } from "./publishJobReceipt.ts";

/**
 * A client disputed a job's delivery: publish the signed JobReceipt if the result is done;
 * refund the price if the job failed or was never computed. A job still being computed is
 * waited for, but never past `deadline − refundMarginSeconds`: then it is refunded, in time. The
 * on-chain state is read first, so an answer already mined is not sent again.
 */
export async function answerJobDispute({ ctx, job, now }: { ctx: ServerContext; job: JobRecord; now: number }): Promise<AnswerOutcome> {
  const compute = ctx.compute!;
  const contract = { address: compute.address, abi: computeContractAbi } as const;
  const jobId = job.quote.jobId;
  const [[state], [deadlineRaw]] = await Promise.all([
    ctx.chain.publicClient.readContract({ ...contract, functionName: "jobOf", args: [jobId] }),
    ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [jobId] }),
  ]);
  if (state !== JobState.DeliveryDisputed) return { kind: "obsolete", reason: `job is in state ${state}` };
  const deadline = Number(deadlineRaw);
  if (now > deadline) return { kind: "impossible", reason: `the dispute's deadline ${deadline} has passed` };
  const window = { deadline, openedAt: deadline - Number(compute.params.responseWindow) };
  const current = (await ctx.store.jobs.get(jobId)) ?? job;
  if (!current.receipt && (current.status === "queued" || current.status === "running")) {
    const last = deadline - refundMarginSeconds(compute.params.responseWindow);
    if (now < last) return { kind: "later", until: Math.min(now + 2, last), reason: "the job is being computed" };
  }
  if (current.receipt) {
    const txHash = await ctx.txSender.submit({ to: compute.address, abi: computeContractAbi, functionName: "publishReceipt", args: publishArgs(current), window, label: `publishJobReceipt ${jobId}` });
    return { kind: "sent", txHash, action: "publishReceipt" };
  }
  const txHash = await ctx.txSender.submit({ to: compute.address, abi: computeContractAbi, functionName: "refund", args: [current.quote], window, label: `refundJob ${jobId}` });
  return { kind: "sent", txHash, action: "refund" };
}
