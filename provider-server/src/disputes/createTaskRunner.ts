import type { Logger } from "pino";
import { type TransactionReceipt, WaitForTransactionReceiptTimeoutError } from "viem";
import { TxLostError } from "../chain/createTxSender.ts";
import type { ServerContext } from "../context.ts";
import { createPollingLoop } from "../createPollingLoop.ts";
import type { TaskRecord } from "../store/taskStore.ts";
import { answerJobDispute } from "../compute/answerJobDispute.ts";
import { answerResultChallenge } from "../compute/answerResultChallenge.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { answerDeliveryDispute } from "./answerDeliveryDispute.ts";
import { answerStorageChallenge } from "./answerStorageChallenge.ts";

const MAX_ATTEMPTS = 12;
/** Tasks prepared (state read, proof built, transaction signed and handed to the node) at once. */
const DEFAULT_CONCURRENCY = 32;
/** Due tasks looked at per pass, earliest deadline first. */
const PASS_LIMIT = 2000;

export type TaskRunner = ReturnType<typeof createTaskRunner>;

/**
 * Works the `tasks` table: the automatic answers to delivery disputes and storage challenges.
 * Tasks are created by the event follower in the same transaction as the event, so they survive
 * restarts. Every pass takes the due tasks earliest deadline first and prepares up to
 * `concurrency` of them at once (a FIFO of slots, so the order holds); a task gives its slot back
 * as soon as its transaction is with the node, and waits for it to be mined apart from the rest.
 * The transaction sender gives each answer its own nonce and raises its fees as the deadline
 * nears. A task is never worked on twice at a time, and every answer re-reads the order's
 * on-chain state before sending, so nothing is sent twice.
 */
export function createTaskRunner({
  getContext,
  log,
  pollIntervalMs,
  concurrency = DEFAULT_CONCURRENCY,
}: {
  getContext: () => ServerContext;
  log: Logger;
  pollIntervalMs: number;
  concurrency?: number;
}) {
  let stopping = false;
  const stopped = new AbortController();
  const inFlight = new Map<number, Promise<void>>();
  let free = concurrency;
  const queue: (() => void)[] = [];
  const acquire = () =>
    free > 0
      ? (free--, Promise.resolve())
      : new Promise<void>((resolve) => {
          queue.push(resolve);
        });
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else free++;
  };

  const wallNow = () => Math.floor(Date.now() / 1000);

  /** The receipt, or undefined when the runner stops first (the task is picked up after a restart). */
  const untilStopped = <T>(promise: Promise<T>): Promise<T | undefined> =>
    new Promise<T | undefined>((resolve, reject) => {
      if (stopped.signal.aborted) return resolve(undefined);
      const onAbort = () => resolve(undefined);
      stopped.signal.addEventListener("abort", onAbort, { once: true });
      promise.then(
        (value) => {
          stopped.signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error) => {
          stopped.signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });

  async function runTask(task: TaskRecord): Promise<void> {
    const ctx = getContext();
    // Compute jobs' tasks name the job in orderId (answerJobDispute, answerResultChallenge).
    const jobTask = task.kind === "answerJobDispute" || task.kind === "answerResultChallenge";
    const job = jobTask && ctx.compute ? await ctx.store.jobs.get(task.orderId) : undefined;
    const order = jobTask ? (job && { orderId: task.orderId }) : await ctx.store.orders.get(task.orderId);
    const save = async (changes: Partial<TaskRecord>) => {
      Object.assign(task, changes);
      await ctx.store.tasks.update(task, wallNow());
    };
    if (!order) {
      log.error({ task: task.id, orderId: task.orderId }, "task for an order this server does not know");
      return await save({ status: "failed", lastError: "unknown order" });
    }
    const clock = ctx.txSender.clock;
    /** Retry later, but never so late that the deadline is missed for it. */
    const retry = async (error: unknown, { countAttempt }: { countAttempt: boolean }) => {
      const attempts = task.attempts + (countAttempt ? 1 : 0);
      const text = ((error as Error).message ?? String(error)).split("\n")[0]!;
      const now = clock.now();
      const beforeDeadline = task.deadline !== null && now < task.deadline;
      if (attempts >= MAX_ATTEMPTS && !beforeDeadline) {
        log.error({ task: task.id, orderId: task.orderId, err: text }, "task failed for good");
        return await save({ status: "failed", attempts, lastError: text });
      }
      let delay = Math.min(2 ** Math.min(attempts, 9), 300);
      if (beforeDeadline) delay = Math.max(1, Math.min(delay, Math.floor((task.deadline! - now) / 4)));
      log.warn({ task: task.id, orderId: task.orderId, err: text, retryInS: delay }, "task failed, will retry");
      await save({ status: task.txHash ? "sent" : "pending", attempts, lastError: text, nextAttemptAt: wallNow() + delay });
    };

    /** Follows a sent answer to its receipt; true when the task is finished. */
    const follow = async (): Promise<boolean> => {
      let receipt: TransactionReceipt | undefined;
      try {
        receipt = await untilStopped(ctx.txSender.wait(task.txHash!));
      } catch (error) {
        // Lost (nonce used elsewhere), or a transaction from before the outbox existed that did not
        // show up in time: decide again from the chain's state (a second answer to a settled
        // question is refused by the gas estimate, not sent).
        if (!(error instanceof TxLostError) && !(error instanceof WaitForTransactionReceiptTimeoutError)) throw error;
        log.warn({ task: task.id, orderId: task.orderId, err: error.message.split("\n")[0] }, "answer lost: deciding again");
        return false;
      }
      if (receipt === undefined) return true; // stopping: the next start follows it again
      if (receipt.status === "success") {
        await save({ status: "done", lastError: null });
        return true;
      }
      log.warn({ task: task.id, orderId: task.orderId, txHash: receipt.transactionHash }, "answer reverted: deciding again");
      return false;
    };

    try {
      // Already sent (by this run or before a restart): wait for it, fee bumps included.
      if (task.txHash && (await follow())) return;
      await acquire();
      let outcome;
      try {
        if (stopping) return;
        await clock.fresh();
        if (job) {
          const answer = task.kind === "answerJobDispute" ? answerJobDispute : answerResultChallenge;
          outcome = await answer({ ctx, job, now: clock.now() });
        } else {
          const answer = task.kind === "answerDeliveryDispute" ? answerDeliveryDispute : answerStorageChallenge;
          outcome = await answer({ ctx, order: order as OrderRecord, now: clock.now() });
        }
      } finally {
        release();
      }
      if (outcome.kind === "later") {
        return await save({ nextAttemptAt: wallNow() + Math.max(1, outcome.until - clock.now()), lastError: outcome.reason });
      }
      if (outcome.kind === "obsolete") {
        log.info({ task: task.id, orderId: order.orderId, reason: outcome.reason }, "task no longer needed");
        return await save({ status: task.txHash ? "done" : "obsolete", lastError: outcome.reason });
      }
      if (outcome.kind === "impossible") {
        log.error({ task: task.id, orderId: order.orderId, reason: outcome.reason }, "cannot answer the challenge; the client may claim the penalty");
        return await save({ status: "failed", lastError: outcome.reason });
      }
      await save({ status: "sent", txHash: outcome.txHash, attempts: task.attempts + 1 });
      log.info({ task: task.id, orderId: order.orderId, action: outcome.action, txHash: outcome.txHash }, "answer sent");
      if (await follow()) return;
      // Reverted or lost: decide again from the chain's state at once.
      await save({ status: "pending", nextAttemptAt: wallNow() });
    } catch (error) {
      await retry(error, { countAttempt: task.status !== "sent" });
    }
  }

  /** Starts every due task not already in flight, earliest deadline first; does not wait for them. */
  async function launchDue(): Promise<Promise<void>[]> {
    if (stopping) return [];
    const ctx = getContext();
    const started: Promise<void>[] = [];
    const due = await ctx.store.tasks.due({ now: wallNow(), limit: PASS_LIMIT });
    if (stopping) return [];
    for (const task of due) {
      if (inFlight.has(task.id)) continue;
      const work = runTask(task)
        .catch((error) => log.error({ task: task.id, err: (error as Error).message }, "task runner error"))
        .finally(() => inFlight.delete(task.id));
      inFlight.set(task.id, work);
      started.push(work);
    }
    return started;
  }

  /** Starts the due tasks and waits until each one in flight is mined, rescheduled or finished. */
  async function runDue(): Promise<void> {
    await launchDue();
    while (inFlight.size > 0) await Promise.all([...inFlight.values()]);
  }

  const polling = createPollingLoop({
    intervalMs: pollIntervalMs,
    run: async () => {
      await launchDue();
    },
    onError: (error) => {
      log.error({ err: (error as Error).message }, "task runner error");
      return pollIntervalMs;
    },
  });

  return {
    runDue,
    /** Tasks being worked on right now. */
    inFlight: () => inFlight.size,
    kick() {
      polling.wake();
    },
    start() {
      stopping = false;
      polling.start();
    },
    async stop() {
      stopping = true;
      stopped.abort();
      await polling.stop();
      await Promise.all([...inFlight.values()]);
      await getContext().txSender.stop();
    },
  };
}
