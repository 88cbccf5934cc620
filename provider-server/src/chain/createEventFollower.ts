import { serverContractAbi } from "@pekanu/protocol";
import type { Logger } from "pino";
import { type Address, parseEventLogs } from "viem";
import type { Store } from "../store/createStore.ts";
import { createPollingLoop } from "../createPollingLoop.ts";
import { applyChainEvents, LAST_BLOCK_KEY } from "./applyChainEvents.ts";
import type { ChainConnection } from "./connectChain.ts";

export type FollowerStatus = {
  lastProcessedBlock: number;
  headBlock: number | null;
  healthy: boolean;
  lastError: string | null;
  lastSyncAt: number | null;
};

export type EventFollower = ReturnType<typeof createEventFollower>;

/**
 * Follows the contract's events by polling eth_getLogs over block ranges of at most
 * `maxBlockRange`, up to `head - (confirmations - 1)`: only blocks with enough confirmations are
 * applied, so a payment counts once it is confirmed and shallow reorgs are never seen. The
 * position is persisted with the effects (applyChainEvents). When the RPC fails the loop backs off
 * exponentially (poll interval … 30 s) and retries the same range.
 */
export function createEventFollower({
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
  /** Called after a batch was committed (e.g. to run new tasks at once). */
  onApplied?: (result: Awaited<ReturnType<typeof applyChainEvents>>) => void;
}) {
  const status: FollowerStatus = { lastProcessedBlock: 0, headBlock: null, healthy: true, lastError: null, lastSyncAt: null };
  const lastProcessed = async () => Number((await store.meta.get(LAST_BLOCK_KEY)) ?? deployBlock - 1);
  status.lastProcessedBlock = deployBlock - 1;
  let running: Promise<boolean> = Promise.resolve(false);

  /** Processes one range; true when more confirmed blocks are waiting. */
  async function step(): Promise<boolean> {
    const head = Number(await chain.publicClient.getBlockNumber());
    status.headBlock = head;
    const safe = head - (confirmations - 1);
    const from = (await lastProcessed()) + 1;
    status.lastProcessedBlock = from - 1;
    if (from > safe) return false;
    const to = Math.min(safe, from + maxBlockRange - 1);
    const logs = await chain.publicClient.getLogs({ address, fromBlock: BigInt(from), toBlock: BigInt(to) });
    const events = parseEventLogs({ abi: serverContractAbi, logs, strict: true });
    const result = await applyChainEvents({ store, events, toBlock: to, now: Math.floor(Date.now() / 1000) });
    status.lastProcessedBlock = to;
    if (result.applied > 0) log.debug({ from, to, applied: result.applied }, "applied contract events");
    onApplied?.(result);
    return to < safe;
  }

  /** Catches up with the confirmed head; serialized with the background loop. */
  function syncNow(): Promise<boolean> {
    const run = running
      .catch(() => false)
      .then(async () => {
        try {
          while (await step()) {}
          status.healthy = true;
          status.lastError = null;
          status.lastSyncAt = Date.now();
          return true;
        } catch (error) {
          status.healthy = false;
          status.lastError = (error as Error).message;
          throw error;
        }
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
      log.warn({ err: (error as Error).message, retryInMs: backoff }, "event follower: RPC error, backing off");
      return backoff;
    },
  });

  return {
    status: () => ({ ...status }),
    syncNow,
    /** Ask the loop to poll now instead of at the end of its interval. */
    poke() {
      polling.wake();
    },
    start() {
      polling.start();
    },
    async stop() {
      await polling.stop();
      await running.catch(() => {});
    },
  };
}
