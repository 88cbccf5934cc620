import type { Logger } from "pino";
import { ConfigError } from "../ConfigError.ts";
import { sleep } from "../sleep.ts";

/**
 * Retries `connect` with exponential backoff (1 s … 30 s) while the RPC is unreachable, so the
 * server can be started before its node. Configuration errors are not retried.
 */
export async function waitForChain<T>({
  connect,
  log,
  signal,
  maxAttempts = Number.POSITIVE_INFINITY,
}: {
  connect: () => Promise<T>;
  log: Logger;
  signal?: AbortSignal;
  maxAttempts?: number;
}): Promise<T> {
  let delay = 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (error) {
      if (error instanceof ConfigError || attempt >= maxAttempts || signal?.aborted) throw error;
      log.warn({ err: (error as Error).message, retryInMs: delay }, "RPC unavailable, retrying");
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
