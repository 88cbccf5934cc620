import { JobState } from "@pekanu/protocol/compute";
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { Hex } from "viem";
import type { ServerContext } from "../context.ts";

/** Jobs per settleMany transaction. */
const BATCH = 100;

/**
 * The compute half of the earnings loop: `settleMany` for jobs whose verification window has
 * closed with nothing open (each one's state and window read from the chain right before, so
 * nothing is sent that the chain would skip), then `withdraw` of what the ComputeContract owes the
 * owner (settled prices, challenge bonds). Skips while such a transaction is still pending.
 */
export async function collectJobEarnings({ ctx, now }: { ctx: ServerContext; now: number }): Promise<{ settled: Hex[]; withdrawn: bigint }> {
  const compute = ctx.compute;
  if (!compute) return { settled: [], withdrawn: 0n };
  if ((await ctx.txSender.pending()).some((p) => /^(settleJobs|withdrawCompute)/.test(p.label))) return { settled: [], withdrawn: 0n };
  const client = ctx.chain.publicClient;
  const contract = { address: compute.address, abi: computeContractAbi } as const;
  const candidates = await ctx.store.jobs.collectable({ now: now - Number(compute.params.verifyWindow), limit: 500 });
  const due = [];
  for (const job of candidates) {
    const [state] = await client.readContract({ ...contract, functionName: "jobOf", args: [job.quote.jobId] });
    if (state !== JobState.Paid) continue;
    const at = await client.readContract({ ...contract, functionName: "settleAt", args: [job.quote] });
    if (now >= Number(at)) due.push(job);
  }
  const settled: Hex[] = [];
  for (let i = 0; i < due.length; i += BATCH) {
    const batch = due.slice(i, i + BATCH);
    const { receipt } = await ctx.txSender.send({ to: compute.address, abi: computeContractAbi, functionName: "settleMany", args: [batch.map((j) => j.quote)], label: `settleJobs ×${batch.length}` });
    if (receipt.status === "success") settled.push(...batch.map((j) => j.quote.jobId));
  }
  const owed = await client.readContract({ ...contract, functionName: "withdrawable", args: [ctx.chain.owner.address] });
  if (owed > 0n) {
    await ctx.txSender.send({ to: compute.address, abi: computeContractAbi, functionName: "withdraw", args: [], label: "withdrawCompute" });
    ctx.log.info({ amount: owed.toString() }, "compute earnings withdrawn");
  }
  if (settled.length > 0) ctx.log.info({ jobs: settled.length }, "jobs settled");
  return { settled, withdrawn: owed };
}
