import { sleep } from "./sleep.ts";

export type PollingLoop = {
  start(): void;
  /** Run now instead of at the end of the current wait. */
  wake(): void;
  /** Ends the loop after the current run. */
  stop(): Promise<void>;
};

/**
 * Runs `run` every `intervalMs` until stopped. When `run` throws, `onError` decides how long to
 * wait before the next run (e.g. exponential backoff while the RPC is down); by default the normal
 * interval. `wake` cuts the current wait short.
 */
export function createPollingLoop({
  run,
  intervalMs,
  onError = () => intervalMs,
}: {
  run: () => Promise<unknown>;
  intervalMs: number;
  onError?: (error: unknown) => number;
}): PollingLoop {
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  return {
    start() {
      if (loop) return;
      controller = new AbortController();
      const signal = controller.signal;
      loop = (async () => {
        while (!signal.aborted) {
          let waitMs = intervalMs;
          try {
            await run();
          } catch (error) {
            waitMs = onError(error);
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            void sleep(waitMs, signal).then(resolve);
          });
          wake = undefined;
        }
      })();
    },
    wake() {
      wake?.();
    },
    async stop() {
      controller?.abort();
      wake?.();
      await loop;
      loop = undefined;
    },
  };
}
