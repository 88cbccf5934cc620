import { jobHash } from "@pekanu/protocol/compute";
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { Logger } from "pino";
import { type Address, type Hex, parseEventLogs } from "viem";
import type { ChainConnection } from "../chain/connectChain.ts";
import { createPollingLoop } from "../createPollingLoop.ts";
import type { Store } from "../store/createStore.ts";
import type { JobChainUpdate } from "../store/jobStore.ts";

/** Meta key of the last block whose ComputeContract events are applied. */
export const COMPUTE_LAST_BLOCK_KEY = "computeLastProcessedBlock";

/** ComputeContract's JobState names set by each event. */
const stateOf: Record<string, string> = {
  JobPaid: "Paid",
  DeliveryDisputed: "DeliveryDisputed",
  JobReceiptPublished: "Paid",
  JobRefunded: "Refunded",
  ResultChallenged: "ResultChallenged",
  ResultProven: "Paid",
  PenaltyClaimed: "Penalized",
  FraudProven: "Fraudulent",
  JobSettled: "Settled",
};

export type ComputeFollower = ReturnType<typeof createComputeFollower>;

/**
 * Follows ComputeContract's events like the storage follower (confirmed blocks only, ranges of at
 * most maxBlockRange, backoff on RPC errors). Each range is applied in ONE transaction with the new
 * position: payments queue their job (once: a replayed range changes nothing), delivery disputes and
 * result challenges become tasks (unique per event) that the task runner answers.
 */
export function createComputeFollower({
  store,
  chain,
  address,
  deployBlock,
  confirmations,
  pollIntervalMs,
  maxBlockRange,
  log,
  onApplied,
}: {
  store: Store;
  chain: ChainConnection;
  address: Address;
  deployBlock: number;
  confirmations: number;
  pollIntervalMs: number;
  maxBlockRange: number;
  log: Logger;
  onApplied?: (result: { queued: Hex[]; tasksAdded: number; signerRotatedTo: Address | undefined }) => void;
}) {
  const lastProcessed = async () => Number((await store.meta.get(COMPUTE_LAST_BLOCK_KEY)) ?? deployBlock - 1);
  let running: Promise<boolean> = Promise.resolve(false);

  async function step(): Promise<boolean> {
    const head = Number(await chain.publicClient.getBlockNumber());
    const safe = head - (confirmations - 1);
    const from = (await lastProcessed()) + 1;
    if (from > safe) return false;
    const to = Math.min(safe, from + maxBlockRange - 1);
    const logs = await chain.publicClient.getLogs({ address, fromBlock: BigInt(from), toBlock: BigInt(to) });
    const events = parseEventLogs({ abi: computeContractAbi, logs, strict: true });
    const updates: JobChainUpdate[] = [];
    const tasks: { kind: "answerJobDispute" | "answerResultChallenge"; jobId: Hex; trigger: string; deadline: number }[] = [];
    let signerRotatedTo: Address | undefined;
    for (const event of events) {
      const args = event.args as Record<string, unknown>;
      if (event.eventName === "SignerRotated") signerRotatedTo = args.newSigner as Address;
      const jobId = typeof args.jobId === "string" ? (args.jobId.toLowerCase() as Hex) : undefined;
      if (!jobId) continue;
      const job = await store.jobs.get(jobId);
      if (!job) continue; // not a job this server quoted
      const trigger = `compute:${event.blockNumber}:${event.logIndex}`;
      if (event.eventName === "JobPaid") {
        // The contract checked our signature over the quote's struct hash: it must be ours.
        if ((args.jobHash as Hex).toLowerCase() !== jobHash(job.quote).toLowerCase()) {
          log.error({ jobId }, "JobPaid with terms this server did not quote: ignored");
          continue;
        }
        updates.push({ kind: "paid", jobId, txHash: event.transactionHash as Hex, blockNumber: Number(event.blockNumber) });
        continue;
      }
      const state = stateOf[event.eventName];
      if (state) updates.push({ kind: "state", jobId, state });
      if (event.eventName === "JobReceiptPublished" || event.eventName === "ResultChallenged") updates.push({ kind: "delivered", jobId });
      if (event.eventName === "DeliveryDisputed") tasks.push({ kind: "answerJobDispute", jobId, trigger, deadline: Number(args.deadline) });
      if (event.eventName === "ResultChallenged") tasks.push({ kind: "answerResultChallenge", jobId, trigger, deadline: Number(args.deadline) });
    }
    const now = Math.floor(Date.now() / 1000);
    // One transaction: the effects and the new position are stored together or not at all.
    const { queued, tasksAdded } = await store.transaction(async (tx) => {
      const newlyQueued = await tx.jobs.applyChain(updates);
      let added = 0;
      for (const t of tasks) if (await tx.tasks.add({ kind: t.kind, orderId: t.jobId, trigger: t.trigger, now, deadline: t.deadline })) added++;
      await tx.meta.set(COMPUTE_LAST_BLOCK_KEY, String(to));
      return { queued: newlyQueued, tasksAdded: added };
    });
    if (events.length > 0) log.debug({ from, to, events: events.length, queued: queued.length }, "applied compute events");
    onApplied?.({ queued, tasksAdded, signerRotatedTo });
    return to < safe;
  }

  function syncNow(): Promise<boolean> {
    const run = running
      .catch(() => false)
      .then(async () => {
        while (await step()) {}
        return true;
      });
    running = run;
    return run;
  }

  let backoff = 0;
  const polling = createPollingLoop({
    intervalMs: pollIntervalMs,
    run: async () => {
      await syncNow();
      backoff = 0;
    },
    onError: (error) => {
      backoff = Math.min(Math.max(pollIntervalMs, backoff * 2), 30_000);
      log.warn({ err: (error as Error).message, retryInMs: backoff }, "compute follower: RPC error, backing off");
      return backoff;
    },
  });
  return {
    syncNow,
    start: () => polling.start(),
    async stop() {
      await polling.stop();
      await running.catch(() => {});
    },
  };
}
