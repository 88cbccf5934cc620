import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import type { Logger } from "pino";
import type { Hex } from "viem";
import { TxRevertedError } from "../chain/createTxSender.ts";
import type { ServerContext } from "../context.ts";
import { sleep } from "../sleep.ts";
import { quoteOf } from "../store/orderStore.ts";

/** Orders looked at per run; the rest wait for the next run. */
const BATCH = 50;
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
 * The provider collects what it earned: `settle(quote)` for an order that is Paid (undisputed)
 * once `paidAt + settleDelay` has passed, and `release(quote)` once `storageUntil` has passed
 * (which also waits for the settle delay; an unsettled price is paid by release itself, so an order
 * found past both is released in one transaction). Candidates come from the database; each one's
 * state and payment time are read from the contract again right before sending, against the
 * latest block's time, so a run never sends what the chain would refuse, and an order already
 * settled or released (events not applied yet, or a run before a crash) is left alone. A run
 * waits for its transactions to be mined before the next starts, and no run starts while the
 * owner has transactions pending (e.g. sent just before a restart), so nothing is sent twice.
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
    const owner = ctx.chain.owner.address;
    const [block, minedNonce, pendingNonce] = await Promise.all([
      client.getBlock({ blockTag: "latest" }),
      client.getTransactionCount({ address: owner, blockTag: "latest" }),
      client.getTransactionCount({ address: owner, blockTag: "pending" }),
    ]);
    if (pendingNonce > minedNonce) {
      result.skipped = `the owner has ${pendingNonce - minedNonce} transaction(s) pending`;
      return result;
    }
    const now = Number(block.timestamp);
    result.chainTime = now;
    const settleDelay = Number(ctx.contract.params.settleDelay);
    const sent: { orderId: Hex; action: CollectAction; txHash: Hex }[] = [];
    for (const order of ctx.store.orders.collectable({ now, settleDelay, limit: BATCH })) {
      if (controller?.signal.aborted) break;
      if (ctx.busyOrders.has(order.orderId)) continue;
      if ((refusedUntilRun.get(order.orderId) ?? 0) > runs) continue;
      const [state, , paidAtRaw] = await client.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] });
      const paidAt = Number(paidAtRaw);
      if (order.paidAt === null && paidAt > 0) ctx.store.orders.setPaidAt({ orderId: order.orderId, paidAt });
      const name = orderStateName(state);
      let action: CollectAction | undefined;
      if (name === "Paid" && now >= paidAt + settleDelay) action = now >= order.storageUntil ? "release" : "settle";
      else if (name === "Settled" && now >= order.storageUntil) action = "release";
      if (!action) continue;
      try {
        const txHash = await ctx.txSender.submit({ functionName: action, args: [quoteOf(order)] });
        sent.push({ orderId: order.orderId, action, txHash });
      } catch (error) {
        if (!(error instanceof TxRevertedError)) throw error;
        refusedUntilRun.set(order.orderId, runs + BACKOFF_RUNS);
        result.failed.push(order.orderId);
        log.warn({ orderId: order.orderId, action, reason: error.reason }, "earnings: transaction refused");
      }
    }
    // Wait for every transaction: until they are mined, the orders still look due.
    // A shutdown stops waiting: the next start finds the transactions pending or mined.
    for (const { orderId, action, txHash } of sent) {
      const receipt = await untilAborted(ctx.txSender.wait(txHash), controller?.signal).catch((error: Error) => {
        log.warn({ orderId, action, err: error.message }, "earnings: transaction lost");
        return null;
      });
      if (receipt === null) {
        result.failed.push(orderId);
        continue;
      }
      if (receipt === undefined) break;
      if (receipt.status !== "success") {
        refusedUntilRun.set(orderId, runs + BACKOFF_RUNS);
        result.failed.push(orderId);
        log.warn({ orderId, action, txHash }, "earnings: transaction reverted");
        continue;
      }
      (action === "settle" ? result.settled : result.released).push(orderId);
      log.info({ orderId, action, txHash }, action === "settle" ? "order settled" : "order released");
    }
    status.settled += result.settled.length;
    status.released += result.released.length;
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
