// The batch controller: many files dropped or picked at once. Each file is an order of the orders
// controller (its own persisted state machine); the batch adds what they share: their quotes are
// asked together, the balance is checked ONCE for the whole batch (sum of prices + the gas of one
// payBatch), and they are paid with ONE wallet confirmation (ServerContract.payBatch). A file that
// fails (empty, too large, refused quote) is marked on its own order and does not stop the others.
import type { Quote } from "@pekanu/protocol";
import type { Hex } from "viem";
import { checkBalance, FALLBACK_PAY_GAS } from "../../lib/balance.ts";
import { flowErrors, humanError, toHumanError, UserFacingError, type HumanError } from "../../lib/errors.ts";
import type { FileMeta } from "../../lib/flow.ts";
import { formatEth } from "../../lib/format.ts";
import type { Chain } from "../services/chain.ts";
import type { KeyValueStore } from "../store.ts";
import type { BackgroundMessenger } from "../types.ts";
import type { OrderEntry, OrdersController } from "./orders.ts";

export const BATCH_PREFIX = "batch/";
/** Quotes asked of the provider at the same time. */
export const BATCH_QUOTE_CONCURRENCY = 4;
/** The most files in one batch (one payBatch transaction; gas grows with each quote). */
export const MAX_BATCH_FILES = 200;
/** payBatch gas when estimation is impossible (an unaffordable batch): per quote, plus the base. */
export const FALLBACK_BATCH_GAS_PER_QUOTE = 90_000n;
/** A provider that asks to slow down (429) without saying for how long: wait this long. */
export const RATE_LIMIT_DEFAULT_WAIT_MS = 2_000;
/** The longest one batch keeps asking a provider that keeps refusing with 429; then those files fail. */
export const RATE_LIMIT_MAX_WAIT_MS = 10 * 60_000;

export type BatchBalance = {
  balance: string;
  total: string;
  count: number;
  gasEstimate: string;
  maxFeePerGas: string;
  gasCost: string;
  required: string;
  shortfall: string;
  sufficient: boolean;
  gasFallback: boolean;
  checkedAt: number;
};

export type BatchEntry = {
  id: string;
  createdAt: number;
  storageDays: number;
  /** Files refused before they became orders (empty, too large). */
  refused: { name: string; message: string }[];
  /** The batch's orders in the order the files came (the list shows them so). */
  orderIds: string[];
  balance: BatchBalance | null;
  payment: { txHash: Hex; count: number; total: string; sentAt: number } | null;
  /**
   * While the provider asks to slow down (429 on quotes): when the next price is asked (ms).
   * The page shows "waiting for the provider"; null (or absent) otherwise.
   */
  waitingUntil?: number | null;
};

/** `ids[i]`: the order of `files[i]`, or null when that file was refused (see `refused`). */
export type BatchAdded = { batchId: string; ids: (string | null)[]; refused: { name: string; message: string }[] };

export type BatchDeps = {
  messenger: BackgroundMessenger;
  store: KeyValueStore;
  orders: OrdersController;
  chain: Pick<Chain, "balance" | "maxFeePerGas" | "estimatePayBatchGas" | "explainRevert" | "send">;
  now?: () => number;
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
};

/** ms the provider asked to wait, when `err` is its 429 ("retry in N s"); null for any other error. */
export function rateLimitWait(err: unknown): number | null {
  const human = toHumanError(err);
  if (human.code !== "ApiRateLimited" && !/^429\b/.test(human.detail ?? "")) return null;
  const seconds = /retry in (\d+(?:\.\d+)?) ?s/i.exec(human.detail ?? "")?.[1];
  return seconds ? Math.max(250, Number(seconds) * 1000) : RATE_LIMIT_DEFAULT_WAIT_MS;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class BatchController {
  private readonly batches = new Map<string, BatchEntry>();
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly deps: BatchDeps) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async load(): Promise<void> {
    for (const [, batch] of await this.deps.store.entries<BatchEntry>(BATCH_PREFIX)) if (batch?.id) this.batches.set(batch.id, batch);
  }

  get(id: string): BatchEntry | undefined {
    return this.batches.get(id);
  }

  /** Batches that still have orders (newest first). */
  list(): BatchEntry[] {
    const live = new Set(this.deps.orders.list().map((e) => e.batchId));
    return [...this.batches.values()].filter((b) => live.has(b.id)).sort((a, b) => b.createdAt - a.createdAt);
  }

  private async save(batch: BatchEntry): Promise<void> {
    this.batches.set(batch.id, batch);
    await this.deps.store.set(BATCH_PREFIX + batch.id, batch);
    this.deps.messenger.publish("orders:changed", null);
  }

  private batch(id: string): BatchEntry {
    const batch = this.batches.get(id);
    if (!batch) throw new UserFacingError(humanError("NoBatch", "Unknown batch", "These files are not in the list any more.", "none"));
    return batch;
  }

  /** The batch's orders, in the order the files came. */
  ordersOf(batchId: string): OrderEntry[] {
    const position = new Map((this.batches.get(batchId)?.orderIds ?? []).map((id, i) => [id, i]));
    return this.deps.orders
      .list()
      .filter((e) => e.batchId === batchId)
      .sort((a, b) => (position.get(a.id) ?? Infinity) - (position.get(b.id) ?? Infinity) || a.createdAt - b.createdAt);
  }

  /** Orders of the batch with a price and no payment yet: what one payBatch would pay. */
  payable(batchId: string): OrderEntry[] {
    return this.ordersOf(batchId).filter((e) => e.flow.quote && !e.flow.payment);
  }

  /** Files whose commitments were computed in a page: one order each, all in a new batch. */
  async add(files: FileMeta[], storageDays: number): Promise<BatchAdded> {
    if (files.length === 0) throw new UserFacingError(humanError("NoFiles", "No files", "Choose or drop at least one file.", "none"));
    if (files.length > MAX_BATCH_FILES) {
      throw new UserFacingError(humanError("TooManyFiles", "Too many files", `Store at most ${MAX_BATCH_FILES} files at once; split the folder.`, "none"));
    }
    const batch: BatchEntry = { id: this.newId(), createdAt: this.now(), storageDays, refused: [], orderIds: [], balance: null, payment: null };
    const ids: (string | null)[] = [];
    for (const file of files) {
      try {
        ids.push(await this.deps.orders.addFile(file, storageDays, { batchId: batch.id }));
      } catch (err) {
        ids.push(null);
        batch.refused.push({ name: file.name, message: toHumanError(err).message });
      }
    }
    batch.orderIds = ids.filter((id): id is string => id !== null);
    await this.save(batch);
    return { batchId: batch.id, ids, refused: batch.refused };
  }

  /**
   * Asks a price for every file of the batch without a valid one (a few at a time), then checks
   * the balance once. A refused quote marks that file only.
   */
  async quote(batchId: string): Promise<void> {
    this.batch(batchId);
    const soon = this.now() + 60_000;
    const todo = this.ordersOf(batchId).filter((e) => !e.flow.payment && !e.flow.payRequestedAt && (!e.flow.quote || Number(e.flow.quote.quote.expiresAt) * 1000 <= soon));
    // A provider limits the quotes one client asks per minute (429 "retry in N s"): then every
    // worker waits as asked and asks again, for at most RATE_LIMIT_MAX_WAIT_MS in all; the page
    // shows "waiting for the provider" meanwhile. Only a file refused for another reason fails.
    const giveUpAt = this.now() + RATE_LIMIT_MAX_WAIT_MS;
    let notBefore = 0;
    const setWaiting = async (until: number | null) => {
      const current = this.batches.get(batchId);
      if (current && (current.waitingUntil ?? null) !== until) await this.save({ ...current, waitingUntil: until });
    };
    await eachLimited(todo, BATCH_QUOTE_CONCURRENCY, async (entry) => {
      for (;;) {
        const wait = notBefore - this.now();
        if (wait > 0) await this.sleep(wait);
        try {
          await this.deps.orders.quote(entry.id, { balance: false });
          if (notBefore <= this.now()) await setWaiting(null);
          return;
        } catch (err) {
          const asked = rateLimitWait(err);
          if (asked !== null && this.now() + asked <= giveUpAt) {
            notBefore = Math.max(notBefore, this.now() + asked);
            await setWaiting(notBefore);
            continue;
          }
          await this.deps.orders.fail(entry.id, toHumanError(err));
          return;
        }
      }
    });
    await setWaiting(null);
    if (this.payable(batchId).length > 0) await this.checkBalance(batchId);
  }

  private quotesOf(entries: OrderEntry[]): { quotes: Quote[]; signatures: Hex[] } {
    const pairs = entries.map((e) => this.deps.orders.orderQuote(e));
    return { quotes: pairs.map((p) => p.quote), signatures: pairs.map((p) => p.signature) };
  }

  /** balance ≥ Σ prices + gas of one payBatch × max fee per gas: one read for the whole batch. */
  async checkBalance(batchId: string): Promise<BatchBalance> {
    const batch = this.batch(batchId);
    const entries = this.payable(batchId);
    if (entries.length === 0) throw new UserFacingError(humanError("NothingToPay", "Nothing to pay", "No file of this batch has a price waiting for payment.", "none"));
    const { quotes, signatures } = this.quotesOf(entries);
    const { info } = entries[0]!.provider;
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const total = quotes.reduce((sum, q) => sum + q.price, 0n);
    const chain = this.deps.chain;
    const [balance, maxFeePerGas] = await Promise.all([chain.balance(quotes[0]!.client), chain.maxFeePerGas()]);
    let gasEstimate = FALLBACK_PAY_GAS + FALLBACK_BATCH_GAS_PER_QUOTE * BigInt(quotes.length);
    let gasFallback = false;
    try {
      gasEstimate = await chain.estimatePayBatchGas(info.contract.address, quotes, signatures);
    } catch (err) {
      // An unaffordable batch makes estimation fail too: fall back to a typical figure and show the shortfall.
      if (toHumanError(err).code === "InsufficientFunds" || balance < total) gasFallback = true;
      else chain.explainRevert(err);
    }
    const result = checkBalance({ balance, price: total, gasEstimate, maxFeePerGas });
    const checked: BatchBalance = {
      balance: balance.toString(),
      total: total.toString(),
      count: quotes.length,
      gasEstimate: gasEstimate.toString(),
      maxFeePerGas: maxFeePerGas.toString(),
      gasCost: result.gasCost.toString(),
      required: result.required.toString(),
      shortfall: result.shortfall.toString(),
      sufficient: result.sufficient,
      gasFallback,
      checkedAt: this.now(),
    };
    await this.save({ ...batch, balance: checked });
    return checked;
  }

  /** Pays every priced file of the batch with one payBatch transaction (one wallet confirmation). */
  async pay(batchId: string): Promise<Hex | null> {
    this.batch(batchId);
    // A payment the wallet already sent for some of these (a restart while it waited): follow it.
    for (const entry of this.payable(batchId)) {
      if (entry.flow.payRequestedAt) await this.deps.orders.adoptExistingPayment(entry.id).catch(() => false);
    }
    const entries = this.payable(batchId);
    if (entries.length === 0) return null;
    const expiring = entries.filter((e) => Number(e.flow.quote!.quote.expiresAt) * 1000 <= this.now() + 15_000);
    if (expiring.length > 0) throw new UserFacingError(flowErrors.quoteExpired());
    const { quotes, signatures } = this.quotesOf(entries);
    const { info } = entries[0]!.provider;
    await this.deps.messenger.call("session:requireChain", info.chainId);
    await this.deps.messenger.call("session:requireAccount", quotes[0]!.client);
    const checked = await this.checkBalance(batchId);
    if (!checked.sufficient) throw new UserFacingError(flowErrors.insufficientFunds(formatEth(BigInt(checked.shortfall))));
    const at = this.now();
    for (const entry of entries) await this.deps.orders.dispatch(entry.id, { type: "paymentRequested", at });
    let txHash: Hex;
    try {
      txHash = await this.deps.chain.send({ contract: info.contract.address, from: quotes[0]!.client, functionName: "payBatch", args: [quotes, signatures], value: BigInt(checked.total) });
    } catch (err) {
      // Nothing was sent, except when the wallet went away: then each order looks for its payment on chain.
      if (toHumanError(err).code === "WalletMissing") this.deps.orders.resume();
      else for (const entry of entries) await this.deps.orders.dispatch(entry.id, { type: "paymentRequestEnded" });
      throw err;
    }
    await this.save({ ...this.batch(batchId), payment: { txHash, count: entries.length, total: checked.total, sentAt: this.now() } });
    for (const entry of entries) await this.deps.orders.paymentSent(entry.id, txHash);
    return txHash;
  }

  /**
   * Takes files out of the batch: every file nobody paid for (or only `orderId`). A paid file
   * stays (it is paid; its upload can be paused, and resumed or disputed later).
   */
  async cancel(batchId: string, orderId?: string): Promise<{ removed: number; kept: number }> {
    this.batch(batchId);
    let removed = 0;
    let kept = 0;
    for (const entry of this.ordersOf(batchId)) {
      if (orderId && entry.id !== orderId) continue;
      if (await this.deps.orders.discard(entry.id)) removed++;
      else kept++;
    }
    const batch = this.batches.get(batchId);
    if (batch && this.ordersOf(batchId).length === 0) {
      this.batches.delete(batchId);
      await this.deps.store.remove(BATCH_PREFIX + batchId);
    }
    this.deps.messenger.publish("orders:changed", null);
    return { removed, kept };
  }

  /** The failure of one file of the batch, recorded with that file. */
  failFile(orderId: string, error: HumanError): Promise<void> {
    return this.deps.orders.fail(orderId, error);
  }
}
