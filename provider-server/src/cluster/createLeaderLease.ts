import { performance } from "node:perf_hooks";
import type { Logger } from "pino";

/** The lease row in the `meta` table (one key, one JSON value, changed only by compare-and-set). */
export const LEADER_KEY = "leader";

/** What the `meta` row holds. `until` is the holder's wall clock (ms) plus the lease. */
export type LeaderRecord = { holder: string; epoch: number; until: number };

/** The part of the store the lease uses (sync or async accessors both work). */
export type LeaseStore = {
  meta: {
    get(key: string): string | undefined | Promise<string | undefined>;
    swap(args: { key: string; expected: string | undefined; value: string }): boolean | Promise<boolean>;
  };
};

export type LeaderLease = {
  /** Starts renewing (or trying to take) the lease now and every `leaseMs / 3`. */
  start(): Promise<void>;
  /** Stops, gives the lease up (another instance takes over at its next try) and waits for onDeposed. */
  stop(): Promise<void>;
  /**
   * True while this instance holds an unexpired lease by its own monotonic clock. Checked before
   * each owner transaction of the chain work: a leader whose renewals fail (database unreachable,
   * process paused) says false before any other instance can take the lease over.
   */
  isLeader(): boolean;
  /** Takeovers counted by the row: each new holder increments it. 0 while this instance never led. */
  epoch(): number;
  /** Tries once now (tests; start() does it periodically). */
  tick(): Promise<void>;
};

/**
 * Leader election over the shared database with a lease (one row, compare-and-set), the same on
 * SQLite and PostgreSQL and through any connection pooler. The holder renews every third of the
 * lease; another instance takes the row over once `until` has passed by its wall clock, so a dead
 * leader is replaced within `leaseMs` plus one retry interval. The holder counts itself leader only
 * until `leaseMs - skewMs` after the start of its last successful renewal (monotonic clock), so it
 * stops before a successor can start as long as the instances' clocks differ by less than `skewMs`.
 * `onElected` / `onDeposed` run in order, never concurrently.
 */
export function createLeaderLease({
  store,
  instanceId,
  leaseMs,
  skewMs = Math.floor(leaseMs / 4),
  log,
  onElected,
  onDeposed,
  now = Date.now,
  monotonic = () => performance.now(),
}: {
  store: LeaseStore;
  instanceId: string;
  leaseMs: number;
  skewMs?: number;
  log: Logger;
  onElected: (epoch: number) => Promise<void> | void;
  onDeposed: (reason: string) => Promise<void> | void;
  now?: () => number;
  monotonic?: () => number;
}): LeaderLease {
  let leading = false;
  let epoch = 0;
  let validUntil = 0;
  let timer: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  let stopped = true;
  let ticking: Promise<void> = Promise.resolve();
  let transitions: Promise<void> = Promise.resolve();
  const renewEvery = Math.max(50, Math.floor(leaseMs / 3));

  const transition = (work: () => Promise<void> | void) => {
    transitions = transitions.then(work).catch((error) => log.error({ err: (error as Error).message }, "leader transition failed"));
    return transitions;
  };

  const depose = (reason: string) => {
    if (!leading) return;
    leading = false;
    clearTimeout(expiry);
    log.warn({ instance: instanceId, epoch, reason }, "leader lease lost: chain work stopped");
    void transition(() => onDeposed(reason));
  };

  const parse = (raw: string | undefined): LeaderRecord | undefined => {
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as LeaderRecord;
    } catch {
      return { holder: "", epoch: 0, until: 0 };
    }
  };

  const attempt = async (): Promise<void> => {
    const startedAt = monotonic();
    const wall = now();
    const raw = await store.meta.get(LEADER_KEY);
    const current = parse(raw);
    if (current && current.holder !== instanceId && current.until >= wall) {
      depose(`held by ${current.holder}`);
      return;
    }
    const next: LeaderRecord = {
      holder: instanceId,
      epoch: current?.holder === instanceId && leading ? current.epoch : (current?.epoch ?? 0) + 1,
      until: wall + leaseMs,
    };
    const won = await store.meta.swap({ key: LEADER_KEY, expected: raw, value: JSON.stringify(next) });
    if (!won) {
      depose("another instance took the lease");
      return;
    }
    validUntil = startedAt + leaseMs - skewMs;
    clearTimeout(expiry);
    expiry = setTimeout(() => depose("lease not renewed in time"), Math.max(0, validUntil - monotonic()));
    expiry.unref();
    if (!leading) {
      leading = true;
      epoch = next.epoch;
      log.info({ instance: instanceId, epoch }, "leader lease taken: this instance runs the chain work");
      void transition(() => onElected(epoch));
    }
  };

  const tick = (): Promise<void> => {
    ticking = ticking.then(() =>
      attempt().catch((error) => {
        log.warn({ err: (error as Error).message }, "leader lease: database unreachable");
        if (leading && monotonic() >= validUntil) depose("database unreachable");
      }),
    );
    return ticking;
  };

  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void tick().finally(loop);
    }, renewEvery);
    timer.unref();
  };

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      await tick();
      loop();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await ticking;
      if (leading) {
        // Give the lease up so a successor does not wait for it to run out.
        const raw = await store.meta.get(LEADER_KEY);
        const current = parse(raw);
        if (current?.holder === instanceId) {
          await Promise.resolve(store.meta.swap({ key: LEADER_KEY, expected: raw, value: JSON.stringify({ ...current, until: 0 }) })).catch(() => false);
        }
        depose("stopping");
      }
      await transitions;
    },
    isLeader: () => leading && monotonic() < validUntil,
    epoch: () => epoch,
    tick,
  };
}
