// The watch controller: the extension as the client's watchtower. Every stored file is checked
// once per interval at a random time within it (the provider cannot tell when), a few random
// chunks each (lib/watch/checkFile), every answer verified against the root. A wrong or missing
// chunk is a failed check at once (kept in the vault's audit log with its chunk index); a provider
// that cannot be reached is retried with backoff and reported only after a threshold. Deadlines
// read from the vault's chain views (delivery window, challenge deadline, storage end) become
// alerts too. Alerts are shown by a notifier (chrome.notifications + the toolbar badge in
// index.ts) and cleared when their condition clears. The schedule, every retry and every alert
// are persisted: a stopped worker or a restarted browser picks up and fires what came due.
import { formatEth } from "../../lib/format.ts";
import type { Settings } from "../../lib/settings.ts";
import { checkFile, randomChunkIndices, type CheckOutcome } from "../../lib/watch/checkFile.ts";
import type { VaultRecord } from "../../lib/vault/schema.ts";
import type { KeyValueStore } from "../store.ts";
import type { BackgroundMessenger } from "../types.ts";

export const WATCH_KEY = "watch";
export const WATCH_ALARM = "pekanu-watch";
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Storage ending within this is announced ("renew"). */
export const EXPIRY_NOTICE_MS = 7 * DAY;
/** First retry after an unreachable provider; doubled each time, capped at the interval. */
export const RETRY_BASE_MS = 30_000;

export type AlertKind = "failed" | "unreachable" | "delivery" | "claim" | "expiring";

export type WatchAlert = {
  /** `${kind}:${recordKey}`: also the notification id. */
  id: string;
  kind: AlertKind;
  key: string;
  title: string;
  message: string;
  /** The app page a click opens, with the action ready. */
  hash: string;
  since: number;
};

export type FileWatch = {
  /** When the next check (or retry) is due (ms). */
  dueAt: number;
  /** End of the current interval: the next check is drawn within the interval after it. */
  periodEnd: number;
  lastCheckAt?: number;
  lastOkAt?: number;
  unreachableSince?: number;
  retries: number;
  /** The chunk index of the last failed check. */
  failedIndex?: number;
};

export type WatchState = { files: Record<string, FileWatch>; alerts: Record<string, WatchAlert>; spentWei: string };

export type Notifier = {
  show(alert: WatchAlert): Promise<void> | void;
  clear(id: string): Promise<void> | void;
  badge(count: number): Promise<void> | void;
};

export type WatchControllerDeps = {
  messenger: BackgroundMessenger;
  store: KeyValueStore;
  notifier: Notifier;
  /** Arms the one wake-up alarm (chrome.alarms.create(WATCH_ALARM, { when })). */
  schedule: (when: number) => Promise<void> | void;
  /** Files the penalty transaction (the vault controller's `penalty`): used by the opt-in auto-enforcement. */
  enforce?: (key: string, kind: "challengeStorage" | "claimPenalty") => Promise<unknown>;
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  /** Files checked at once. */
  concurrency?: number;
};

const TERMINAL = new Set(["Refunded", "Penalized", "Released"]);

export class WatchController {
  private state: WatchState = { files: {}, alerts: {}, spentWei: "0" };
  private loaded: Promise<void> | null = null;
  private running: Promise<void> | null = null;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: WatchControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      const stored = await this.deps.store.get<WatchState>(WATCH_KEY);
      if (stored) this.state = { files: stored.files ?? {}, alerts: stored.alerts ?? {}, spentWei: stored.spentWei ?? "0" };
    })();
    return this.loaded;
  }

  private save(): Promise<void> {
    return this.deps.store.set(WATCH_KEY, this.state);
  }

  private settings(): Settings {
    return this.deps.messenger.call("settings:get");
  }

  get view(): WatchState {
    return this.state;
  }

  async alerts(): Promise<WatchAlert[]> {
    await this.load();
    return Object.values(this.state.alerts);
  }

  /**
   * After a browser restart: chrome.notifications and the badge did not survive it, the alerts
   * did (persisted). Shows them again; index.ts calls it once per browser session (not per
   * service-worker start, which would pop up again what the person closed).
   */
  async restoreNotifications(): Promise<void> {
    await this.load();
    for (const alert of Object.values(this.state.alerts)) await this.deps.notifier.show(alert);
    await this.deps.notifier.badge(Object.keys(this.state.alerts).length);
  }

  /** Runs the checks and deadline reads that are due; one run at a time. */
  tick(): Promise<void> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private interval(): number {
    return Math.max(0.5, this.settings().watchIntervalMinutes) * MINUTE;
  }

  private async run(): Promise<void> {
    await this.load();
    const now = this.now();
    const interval = this.interval();
    let records: VaultRecord[];
    try {
      records = await (await this.deps.messenger.call("vaultdb:open")).all();
    } catch {
      // The vault cannot be read now: keep the schedule and the alerts as they are, try again soon.
      await this.deps.schedule(now + MINUTE);
      return;
    }
    const watched = records.filter((r) => this.isWatched(r, now));
    const keys = new Set(watched.map((r) => r.key));
    for (const key of Object.keys(this.state.files)) if (!keys.has(key)) delete this.state.files[key];
    for (const r of watched) {
      // A new file: its first check at a random time within the first interval.
      this.state.files[r.key] ??= { dueAt: now + this.random() * interval, periodEnd: now + interval, retries: 0 };
    }
    const due = watched.filter((r) => this.state.files[r.key]!.dueAt <= now);
    const queue = [...due];
    const workers = Array.from({ length: Math.min(this.deps.concurrency ?? 4, queue.length) }, async () => {
      for (let r = queue.shift(); r; r = queue.shift()) await this.checkOne(r).catch(() => undefined);
    });
    await Promise.all(workers);
    // Deadlines: the chain views of files that have one are read again (chain time decides), and
    // of a file checked now whose storage ends within 8 days (its expiry notice is in chain time).
    const checked = new Set(due.map((r) => r.key));
    for (const r of records) {
      // A record never read with its block time is read once: without it "now" would be this
      // computer's clock, which need not be the chain's (the contract's storage period is in block time).
      const nearEnd = checked.has(r.key) && (!r.chain?.blockTime || endsWithin(r, now, EXPIRY_NOTICE_MS + DAY));
      // Bounded: a wallet connection that hangs must not hold every later check back.
      if (this.hasDeadline(r) || nearEnd) await withTimeout(this.deps.messenger.call("vault:refreshChain", r.key), CHAIN_READ_TIMEOUT_MS).catch(() => undefined);
    }
    let fresh = records;
    try {
      fresh = await (await this.deps.messenger.call("vaultdb:open")).all();
    } catch {
      // keep the records read before
    }
    await this.reconcile(fresh);
    await this.autoEnforce(fresh);
    await this.save();
    await this.arm(fresh);
  }

  private isWatched(r: VaultRecord, now: number): boolean {
    if (!r.link || !r.signature) return false;
    if (r.chain && TERMINAL.has(r.chain.state)) return false;
    return Number(r.quote.storageUntil) * 1000 > now;
  }

  private hasDeadline(r: VaultRecord): boolean {
    const state = r.chain?.state;
    if (state === "Challenged" || state === "DeliveryDisputed") return true;
    return !r.link && r.paymentStatus === "mined" && !(r.chain && (TERMINAL.has(r.chain.state) || r.chain.settled));
  }

  /** Checks one file now and records the outcome. */
  async checkOne(r: VaultRecord): Promise<CheckOutcome> {
    await this.load();
    const s = this.settings();
    const now = this.now();
    const interval = this.interval();
    const indices = randomChunkIndices(r.size, s.watchChunks, 1024, this.random);
    const token = this.deps.messenger.call("session:tokenFor", r.link!);
    const outcome = await checkFile({ record: r, indices, token, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
    const file = (this.state.files[r.key] ??= { dueAt: now, periodEnd: now + interval, retries: 0 });
    file.lastCheckAt = now;
    const nextPeriod = () => {
      const start = Math.max(file.periodEnd, now);
      file.dueAt = start + this.random() * interval;
      file.periodEnd = start + interval;
    };
    if (outcome.kind === "ok" || outcome.kind === "failed") {
      const at = this.now();
      const results =
        outcome.kind === "ok"
          ? outcome.indices.map((index) => ({ at, index, ok: true }))
          : outcome.indices.map((index) => (index === outcome.failedIndex ? { at, index, ok: false, problem: outcome.problem } : { at, index, ok: true }));
      // The failed chunk last: the files home and the challenge read the last audit.
      results.sort((a, b) => Number(b.ok) - Number(a.ok));
      const vault = await this.deps.messenger.call("vaultdb:open");
      await vault.update(r.key, (rec) => ({ ...rec, audits: [...rec.audits, ...results].slice(-200), updatedAt: at }));
      this.deps.messenger.call("vault:changed");
      // Only once the answer is in the audit log does the provider count as reachable again.
      file.retries = 0;
      delete file.unreachableSince;
      if (outcome.kind === "ok") {
        file.lastOkAt = now;
        delete file.failedIndex;
      } else file.failedIndex = outcome.failedIndex;
      nextPeriod();
    } else {
      // Unreachable or signed out: not a failed check. Retry with backoff, within the interval.
      file.unreachableSince ??= now;
      file.dueAt = now + Math.min(RETRY_BASE_MS * 2 ** file.retries, interval);
      file.retries++;
    }
    return outcome;
  }

  /** The alerts the records call for now; notifications shown for new ones, cleared for gone ones. */
  private async reconcile(records: VaultRecord[]): Promise<void> {
    const now = this.now();
    const wanted = new Map<string, Omit<WatchAlert, "since">>();
    const add = (a: Omit<WatchAlert, "since" | "id">) => wanted.set(`${a.kind}:${a.key}`, { ...a, id: `${a.kind}:${a.key}` });
    const s = this.settings();
    const renewed = (r: VaultRecord) => records.some((o) => o.key !== r.key && o.fileRoot === r.fileRoot && Number(o.quote.storageUntil) > Number(r.quote.storageUntil));
    for (const r of records) {
      const name = r.fileName || "your file";
      const provider = hostOf(r.providerUrl);
      const file = this.state.files[r.key];
      const state = r.chain?.state;
      const hash = `vault/${encodeURIComponent(r.key)}`;
      const challenged = r.actions.some((a) => a.kind === "challengeStorage" && a.status !== "failed");
      const lastAudit = r.audits.at(-1);
      if (lastAudit && !lastAudit.ok && !challenged && this.isWatched(r, now)) {
        const bond = BigInt(r.chain?.params?.challengeBond ?? "0");
        add({
          kind: "failed",
          key: r.key,
          title: "A file failed a check",
          message: `Provider ${provider} could not return part of ${name} (chunk ${lastAudit.index}) — challenge it on chain; you put down a bond${bond > 0n ? ` of ${formatEth(bond)} ETH` : ""} that comes back if the provider cannot answer.`,
          hash: `${hash}?action=challenge`,
        });
      }
      if (file?.unreachableSince !== undefined && now - file.unreachableSince >= s.watchUnreachableMinutes * MINUTE) {
        add({
          kind: "unreachable",
          key: r.key,
          title: "Provider unreachable",
          message: `Provider ${provider} has been unreachable since ${new Date(file.unreachableSince).toLocaleString("en-GB")}; ${name} could not be checked. Pekanu keeps trying.`,
          hash,
        });
      }
      const chainNow = chainTime(r, now);
      if (r.chain && (state === "Challenged" || state === "DeliveryDisputed") && r.chain.deadline > 0 && chainNow !== null && chainNow >= r.chain.deadline) {
        add({ kind: "claim", key: r.key, title: "Claim your penalty", message: `The provider did not answer in time for ${name}. Claim the penalty now.`, hash: `${hash}?action=claim` });
      }
      if (!r.link && r.paymentStatus === "mined" && r.chain && state === "Paid" && !r.chain.settled && chainNow !== null) {
        const settleDelay = Number(r.chain.params?.settleDelay ?? 0);
        const closesAt = r.chain.paidAt + settleDelay;
        if (settleDelay > 0 && closesAt - chainNow <= Math.max(settleDelay / 4, 60)) {
          add({
            kind: "delivery",
            key: r.key,
            title: "No receipt yet",
            message: `${provider} has not delivered a receipt for ${name}, and the price goes to the provider ${closesAt > chainNow ? `in ${Math.round((closesAt - chainNow) / 60)} min` : "now"}. Dispute the delivery before then to get your money back.`,
            hash: `${hash}?action=dispute`,
          });
        }
      }
      // The storage period is the contract's (block time): measured in chain time when the record
      // has a chain reading, else in the computer's time.
      const until = Number(r.quote.storageUntil) * 1000;
      const timeNow = chainNow !== null ? chainNow * 1000 : now;
      if (r.link && !(state && TERMINAL.has(state)) && until > timeNow && until - timeNow <= EXPIRY_NOTICE_MS && !renewed(r)) {
        add({ kind: "expiring", key: r.key, title: "Storage ends soon", message: `${name} is stored until ${new Date(until).toLocaleDateString("en-GB")}. Renew to keep it.`, hash: `${hash}?action=renew` });
      }
    }
    for (const [id, alert] of Object.entries(this.state.alerts)) {
      if (!wanted.has(id)) {
        delete this.state.alerts[id];
        await this.deps.notifier.clear(alert.id);
      }
    }
    for (const [id, alert] of wanted) {
      if (!this.state.alerts[id]) {
        const full = { ...alert, since: now };
        this.state.alerts[id] = full;
        await this.deps.notifier.show(full);
      }
    }
    await this.deps.notifier.badge(Object.keys(this.state.alerts).length);
  }

  /** Opt-in: the challenge after a failed check and the claim after the deadline, within the spending cap. */
  private async autoEnforce(records: VaultRecord[]): Promise<void> {
    const s = this.settings();
    if (!s.watchAutoEnforce || !this.deps.enforce) return;
    const cap = BigInt(s.watchSpendCapWei || "0");
    for (const alert of Object.values(this.state.alerts)) {
      const r = records.find((x) => x.key === alert.key);
      if (!r || r.actions.some((a) => a.status === "pending")) continue;
      try {
        if (alert.kind === "failed") {
          const bond = BigInt(r.chain?.params?.challengeBond ?? "0");
          const spent = BigInt(this.state.spentWei);
          if (bond === 0n || spent + bond > cap) continue;
          this.state.spentWei = (spent + bond).toString();
          await this.save();
          await this.deps.enforce(r.key, "challengeStorage");
        } else if (alert.kind === "claim") {
          await this.deps.enforce(r.key, "claimPenalty");
        }
      } catch {
        // refused in the wallet or not possible now: the alert stays, the person decides
      }
    }
  }

  /** One alarm at the earliest due time (a minute while a deadline is being watched). */
  private async arm(records: VaultRecord[]): Promise<void> {
    const now = this.now();
    let when = now + this.interval();
    for (const f of Object.values(this.state.files)) when = Math.min(when, f.dueAt);
    if (records.some((r) => this.hasDeadline(r) || (r.link && Number(r.quote.storageUntil) * 1000 - now <= EXPIRY_NOTICE_MS + this.interval()))) {
      when = Math.min(when, now + MINUTE);
    }
    await this.deps.schedule(Math.max(when, now + 1_000));
  }
}

/** A chain read of one record during a watch run gives up after this (the next run tries again). */
export const CHAIN_READ_TIMEOUT_MS = 20_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The chain's time now (seconds), from the block time read with the record's chain view. */
/** Whether the record's storage ends within `ms` (chain time when known). */
function endsWithin(r: VaultRecord, now: number, ms: number): boolean {
  const nowS = chainTime(r, now) ?? Math.floor(now / 1000);
  return Number(r.quote.storageUntil) * 1000 - nowS * 1000 <= ms;
}

function chainTime(r: VaultRecord, now: number): number | null {
  if (!r.chain?.blockTime) return null;
  return r.chain.blockTime + Math.floor((now - r.chain.readAt) / 1000);
}
