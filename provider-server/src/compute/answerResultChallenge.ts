import { JobState } from "@pekanu/protocol/compute";
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { Hex } from "viem";
import { proveStoredChunk } from "../blobs/proveStoredChunk.ts";
import type { ServerContext } from "../context.ts";
import type { AnswerOutcome } from "../disputes/answerDeliveryDispute.ts";
import type { JobRecord } from "../store/jobStore.ts";

/**
 * A client challenged a job's result (ComputeContract.challengeResult): answer with the named
 * chunk of the result file and its inclusion proof against the signed root (respondResult), read
 * from the blob store like a storage answer. The on-chain state is read first.
 */
export async function answerResultChallenge({ ctx, job, now }: { ctx: ServerContext; job: JobRecord; now: number }): Promise<AnswerOutcome> {
  const compute = ctx.compute!;
  const contract = { address: compute.address, abi: computeContractAbi } as const;
  const jobId = job.quote.jobId;
  const [[state], [deadlineRaw, , , chunkIndex]] = await Promise.all([
    ctx.chain.publicClient.readContract({ ...contract, functionName: "jobOf", args: [jobId] }),
    ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [jobId] }),
  ]);
  if (state !== JobState.ResultChallenged) return { kind: "obsolete", reason: `job is in state ${state}` };
  const deadline = Number(deadlineRaw);
  if (now > deadline) return { kind: "impossible", reason: `the challenge's deadline ${deadline} has passed` };
  const current = (await ctx.store.jobs.get(jobId)) ?? job;
  if (!current.receipt) return { kind: "impossible", reason: "no result was signed for this job" };
  const proof = await proveStoredChunk({ blobs: ctx.blobs, fileRoot: current.receipt.resultRoot, index: Number(chunkIndex) });
  if (proof.root !== current.receipt.resultRoot) return { kind: "impossible", reason: "the stored result does not match its root" };
  const window = { deadline, openedAt: deadline - Number(compute.params.responseWindow) };
  const txHash = await ctx.txSender.submit({
    to: compute.address,
    abi: computeContractAbi,
    functionName: "respondResult",
    args: [jobId, BigInt(current.receipt.resultSize), `0x${Buffer.from(proof.chunk).toString("hex")}` as Hex, proof.proof],
    window,
    label: `respondResult ${jobId}`,
  });
  return { kind: "sent", txHash, action: "respondResult" };
}
