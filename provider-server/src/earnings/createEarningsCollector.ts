import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import type { Logger } from "pino";
import type { Hex } from "viem";
import { TxRevertedError } from "../chain/createTxSender.ts";
import { collectJobEarnings } from "../compute/collectJobEarnings.ts";
import type { ServerContext } from "../context.ts";
import { sleep } from "../sleep.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";

/** Orders looked at per run; the rest wait for the next run. */
const SCAN = 500;
/** Orders per settleBatch / releaseBatch transaction (bench:gas measures the per-order cost at 100). */
const BATCH = 100;
/** An order whose transaction was refused is left alone for this many intervals. */
const BACKOFF_RUNS = 10;

export type CollectAction = "settle" | "release";

export type CollectResult = {
  /** Chain time the run decided with (latest block's timestamp). */
  chainTime: number | null;
  settled: Hex[];
  released: Hex[];
  /** Transactions refused or reverted (state changed meanwhile, or an unexpected revert). */
  failed: Hex[];
  /** Why nothing was looked at, if so. */
  skipped: string | null;
  /** Compute jobs settled (settleMany) and the compute earnings withdrawn, in wei. */
  jobsSettled?: Hex[];
  computeWithdrawn?: bigint;
};

export type CollectorStatus = {
  enabled: boolean;
  lastRunAt: number | null;
  lastError: string | null;
  settled: number;
  released: number;
};

/** The promise's value, or undefined as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export type EarningsCollector = ReturnType<typeof createEarningsCollector>;

/**
 * The provider collects what it earned, in batches: `settleBatch(quotes)` for orders that are
 * Paid (undisputed) once `paidAt + settleDelay` has passed, and `releaseBatch(quotes)` once
 * `storageUntil` has passed (which also waits for the settle delay; an unsettled price is paid by
 * release itself, so an order found past both is released directly), up to 100 orders per
 * transaction; a single order goes out as `settle` / `release`, and a batch the contract refuses
 * goes out order by order. Candidates come from the database; each one's
 * state and payment time are read from the contract again right before sending, against the
 * latest block's time, so a run never sends what the chain would refuse, and an order already
 * settled or released (events not applied yet, or a run before a crash) is left alone. A run
 * waits for its transactions to be mined before the next starts, and no run starts while settle /
 * release transactions are pending (e.g. sent just before a restart), so nothing is sent twice.
 */
export function createEarningsCollector({
  getContext,
  log,
  intervalMs,
}: {
  getContext: () => ServerContext;
  log: Logger;
  /** 0: never runs by itself (collectOnce still works). */
  intervalMs: number;
}) {
  const status: CollectorStatus = { enabled: intervalMs > 0, lastRunAt: null, lastError: null, settled: 0, released: 0 };
  const refusedUntilRun = new Map<Hex, number>();
  let runs = 0;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function run(): Promise<CollectResult> {
    const ctx = getContext();
    const client = ctx.chain.publicClient;
    const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
    const result: CollectResult = { chainTime: null, settled: [], released: [], failed: [], skipped: null };
    runs++;
    // Earlier settle / release transactions still pending (e.g. sent just before a restart): wait
    // for them, or the same orders would be sent again. Answers in flight do not hold this up.
    const ours = (await ctx.txSender.pending()).filter((p) => /^(settle|release)/.test(p.label));
    if (ours.length > 0) {
      result.skipped = `${ours.length} settle / release transaction(s) pending`;
      return result;
    }
    const block = await client.getBlock({ blockTag: "latest" });
    const now = Number(block.timestamp);
    result.chainTime = now;
    const settleDelay = Number(ctx.contract.params.settleDelay);
    const due: Record<CollectAction, OrderRecord[]> = { settle: [], release: [] };
    for (const order of await ctx.store.orders.collectable({ now, settleDelay, limit: SCAN })) {
      if (controller?.signal.aborted) break;
      if (ctx.busyOrders.has(order.orderId)) continue;
      if ((refusedUntilRun.get(order.orderId) ?? 0) > runs) continue;
      const [state, , paidAtRaw] = await client.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] });
      const paidAt = Number(paidAtRaw);
      if (order.paidAt === null && paidAt > 0) await ctx.store.orders.setPaidAt({ orderId: order.orderId, paidAt });
      const name = orderStateName(state);
      let action: CollectAction | undefined;
      if (name === "Paid" && now >= paidAt + settleDelay) action = now >= order.storageUntil ? "release" : "settle";
      else if (name === "Settled" && now >= order.storageUntil) action = "release";
      if (action) due[action].push(order);
    }
    // One settleBatch / releaseBatch per up to BATCH orders (the contract reverts the whole batch
    // if one order cannot be collected: then that batch goes out order by order).
    const sent: { orderIds: Hex[]; action: CollectAction; txHash: Hex }[] = [];
    const refuse = (orderId: Hex, action: CollectAction, reason: string | undefined) => {
      refusedUntilRun.set(orderId, runs + BACKOFF_RUNS);
      result.failed.push(orderId);
      log.warn({ orderId, action, reason }, "earnings: transaction refused");
    };
    for (const action of ["settle", "release"] as const) {
      for (let i = 0; i < due[action].length; i += BATCH) {
        if (controller?.signal.aborted) break;
        const batch = due[action].slice(i, i + BATCH);
        if (batch.length > 1) {
          try {
            const txHash = await ctx.txSender.submit({
              functionName: action === "settle" ? "settleBatch" : "releaseBatch",
              args: [batch.map(quoteOf)],
              label: `${action}Batch ×${batch.length}`,
            });
            sent.push({ orderIds: batch.map((o) => o.orderId), action, txHash });
            continue;
          } catch (error) {
            if (!(error instanceof TxRevertedError)) throw error;
            log.warn({ action, orders: batch.length, reason: error.reason }, "earnings: batch refused, sending its orders one by one");
          }
        }
        for (const order of batch) {
          try {
            const txHash = await ctx.txSender.submit({ functionName: action, args: [quoteOf(order)], label: `${action} ${order.orderId}` });
            sent.push({ orderIds: [order.orderId], action, txHash });
          } catch (error) {
            if (!(error instanceof TxRevertedError)) throw error;
            refuse(order.orderId, action, error.reason);
          }
        }
      }
    }
    // Wait for every transaction: until they are mined, the orders still look due.
    // A shutdown stops waiting: the next start finds the transactions pending or mined.
    for (const { orderIds, action, txHash } of sent) {
      const receipt = await untilAborted(ctx.txSender.wait(txHash), controller?.signal).catch((error: Error) => {
        log.warn({ orders: orderIds.length, action, err: error.message }, "earnings: transaction lost");
        return null;
      });
      if (receipt === undefined) break;
      if (receipt === null || receipt.status !== "success") {
        for (const orderId of orderIds) refuse(orderId, action, receipt ? `reverted in ${txHash}` : "lost");
        continue;
      }
      (action === "settle" ? result.settled : result.released).push(...orderIds);
      log.info({ orders: orderIds.length, action, txHash: receipt.transactionHash }, action === "settle" ? "orders settled" : "orders released");
    }
    status.settled += result.settled.length;
    status.released += result.released.length;
    // Compute jobs: settleMany of due jobs, then withdraw the ComputeContract's earnings.
    if (ctx.compute && !controller?.signal.aborted) {
      const jobs = await collectJobEarnings({ ctx, now });
      result.jobsSettled = jobs.settled;
      result.computeWithdrawn = jobs.withdrawn;
    }
    return result;
  }

  /** One pass now (tests, CLI); serialized with the background loop. */
  function collectOnce(): Promise<CollectResult> {
    const next = running.catch(() => {}).then(async () => {
      try {
        const result = await run();
        status.lastError = null;
        return result;
      } catch (error) {
        status.lastError = (error as Error).message.split("\n")[0]!;
        throw error;
      } finally {
        status.lastRunAt = Math.floor(Date.now() / 1000);
      }
    });
    running = next;
    return next;
  }

  return {
    collectOnce,
    status: (): CollectorStatus => ({ ...status }),
    start() {
      if (loop || intervalMs <= 0) return;
      controller = new AbortController();
      const signal = controller.signal;
      loop = (async () => {
        while (!signal.aborted) {
          await collectOnce().catch((error) => log.warn({ err: (error as Error).message.split("\n")[0] }, "earnings collector: run failed"));
          await sleep(intervalMs, signal);
        }
      })();
    },
    async stop() {
      controller?.abort();
      await loop;
      await running.catch(() => {});
      loop = undefined;
    },
  };
}
