import type { Logger } from "pino";
import type { ServerContext } from "../context.ts";
import { createPollingLoop } from "../createPollingLoop.ts";
import type { TaskRecord } from "../store/taskStore.ts";
import { answerDeliveryDispute } from "./answerDeliveryDispute.ts";
import { answerStorageChallenge } from "./answerStorageChallenge.ts";

const MAX_ATTEMPTS = 12;
/** A sent transaction not mined after this long is re-evaluated (dropped from the mempool?). */
const SENT_GRACE_SECONDS = 180;

export type TaskRunner = ReturnType<typeof createTaskRunner>;

/**
 * Works the `tasks` table: the automatic answers to delivery disputes and storage challenges.
 * Tasks are created by the event follower in the same transaction as the event, so they survive
 * restarts; each is acted on at once (well before the deadline), retried with backoff on RPC
 * errors, and never sent twice: a task that already has a transaction waits for it, and every
 * answer re-reads the order's on-chain state before sending.
 */
export function createTaskRunner({ getContext, log, pollIntervalMs }: { getContext: () => ServerContext; log: Logger; pollIntervalMs: number }) {
  let stopping = false;
  let running: Promise<void> = Promise.resolve();

  const now = () => Math.floor(Date.now() / 1000);

  async function runTask(task: TaskRecord): Promise<void> {
    const ctx = getContext();
    const order = ctx.store.orders.get(task.orderId);
    const save = (changes: Partial<TaskRecord>) => {
      Object.assign(task, changes);
      ctx.store.tasks.update(task, now());
    };
    if (!order) {
      log.error({ task: task.id, orderId: task.orderId }, "task for an order this server does not know");
      return save({ status: "failed", lastError: "unknown order" });
    }
    // Content for this order is arriving right now: decide after it is in (or refused), so a
    // dispute is not refunded while σ is about to be issued.
    if (task.kind === "answerDeliveryDispute" && ctx.busyOrders.has(order.orderId)) {
      return save({ nextAttemptAt: now() + 2 });
    }
    try {
      if (task.txHash) {
        const receipt = await ctx.chain.publicClient.getTransactionReceipt({ hash: task.txHash }).catch(() => null);
        if (receipt?.status === "success") return save({ status: "done", lastError: null });
        if (!receipt && now() - task.updatedAt < SENT_GRACE_SECONDS) {
          const mined = await ctx.chain.publicClient
            .waitForTransactionReceipt({ hash: task.txHash, timeout: 60_000 })
            .catch(() => null);
          if (mined?.status === "success") return save({ status: "done", lastError: null });
          if (!mined) return save({ nextAttemptAt: now() + 10 });
        }
        // Reverted or dropped: decide again from the chain's state.
      }
      const answer = task.kind === "answerDeliveryDispute" ? answerDeliveryDispute : answerStorageChallenge;
      const outcome = await answer({ ctx, order });
      if (outcome.kind === "obsolete") {
        log.info({ task: task.id, orderId: order.orderId, reason: outcome.reason }, "task no longer needed");
        return save({ status: task.txHash ? "done" : "obsolete", lastError: outcome.reason });
      }
      if (outcome.kind === "impossible") {
        log.error({ task: task.id, orderId: order.orderId, reason: outcome.reason }, "cannot answer the challenge; the client may claim the penalty");
        return save({ status: "failed", lastError: outcome.reason });
      }
      save({ status: "sent", txHash: outcome.txHash, attempts: task.attempts + 1 });
      log.info({ task: task.id, orderId: order.orderId, action: outcome.action, txHash: outcome.txHash }, "answer sent");
      const receipt = await ctx.chain.publicClient.waitForTransactionReceipt({ hash: outcome.txHash, timeout: 120_000 });
      if (receipt.status === "success") return save({ status: "done", lastError: null });
      throw new Error(`${outcome.action} reverted in ${outcome.txHash}`);
    } catch (error) {
      const attempts = task.attempts + (task.status === "sent" ? 0 : 1);
      const message = (error as Error).message.split("\n")[0]!;
      if (attempts >= MAX_ATTEMPTS) {
        log.error({ task: task.id, orderId: task.orderId, err: message }, "task failed for good");
        return save({ status: "failed", attempts, lastError: message });
      }
      const delay = Math.min(2 ** attempts, 300);
      log.warn({ task: task.id, orderId: task.orderId, err: message, retryInS: delay }, "task failed, will retry");
      save({ status: task.status === "sent" ? "sent" : "pending", attempts, lastError: message, nextAttemptAt: now() + delay });
    }
  }

  /** Runs every due task once; serialized, so one task is never worked on twice at the same time. */
  function runDue(): Promise<void> {
    running = running.catch(() => {}).then(async () => {
      const ctx = getContext();
      for (const task of ctx.store.tasks.due({ now: now(), limit: 50 })) {
        if (stopping) break;
        await runTask(task);
      }
    });
    return running;
  }

  const polling = createPollingLoop({
    intervalMs: pollIntervalMs,
    run: () => runDue(),
    onError: (error) => {
      log.error({ err: (error as Error).message }, "task runner error");
      return pollIntervalMs;
    },
  });

  return {
    runDue,
    kick() {
      polling.wake();
    },
    start() {
      stopping = false;
      polling.start();
    },
    async stop() {
      stopping = true;
      await polling.stop();
      await running.catch(() => {});
    },
  };
}
