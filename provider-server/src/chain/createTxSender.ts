import { serverContractAbi } from "@pekanu/protocol";
import type { Logger } from "pino";
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  type ContractFunctionArgs,
  type ContractFunctionName,
  encodeFunctionData,
  type Hex,
  keccak256,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import type { OutboxRecord, OutboxStore } from "../store/outboxStore.ts";
import type { ChainConnection } from "./connectChain.ts";
import { type ChainClock, createChainClock } from "./createChainClock.ts";
import { bumpFees, type DeadlineWindow, escalateFees, type Fees, windowUsed } from "./escalateFees.ts";

type WriteName = ContractFunctionName<typeof serverContractAbi, "nonpayable" | "payable">;

export type SendParameters<name extends WriteName> = {
  functionName: name;
  args: ContractFunctionArgs<typeof serverContractAbi, "nonpayable" | "payable", name>;
  value?: bigint;
  /** The transaction must be mined by `deadline` (chain time): fees climb as its window runs out. */
  window?: DeadlineWindow | undefined;
  /** For logs (default: the function name). */
  label?: string | undefined;
};

/**
 * A transaction to another contract of the owner's (ComputeContract): same nonce allocator, outbox,
 * fee escalation and tracking as the ServerContract's; `abi` and `to` name the target.
 */
export type SendToParameters = {
  to: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  value?: bigint;
  window?: DeadlineWindow | undefined;
  label?: string | undefined;
};

export type TxFeePolicy = {
  /** Highest max fee per gas ever offered, in wei (the ceiling of the escalation). */
  maxFeePerGas: bigint;
  /** A transaction with no deadline still pending after this long is re-sent at the market's fees. */
  bumpAfterMs: number;
};

export const defaultFeePolicy: TxFeePolicy = { maxFeePerGas: 200_000_000_000n, bumpAfterMs: 60_000 };

/** A transaction reverted (in simulation or on chain); `reason` is the contract's custom error name if known. */
export class TxRevertedError extends Error {
  override readonly name = "TxRevertedError";
  readonly code = "TxReverted";
  readonly reason: string | undefined;
  readonly txHash: Hex | undefined;
  constructor(message: string, { reason, txHash, cause }: { reason?: string; txHash?: Hex; cause?: unknown } = {}) {
    super(message, { cause });
    this.reason = reason;
    this.txHash = txHash;
  }
}

/** A transaction that will never be mined: its nonce was used by another transaction, or the node refused it for good. */
export class TxLostError extends Error {
  override readonly name = "TxLostError";
  readonly code = "TxLost";
}

/** The custom error name of a viem contract error, e.g. "ServerContractAlreadyRegistered". */
export function revertReason(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? revert.reason) : undefined;
}

/** Gas limit = estimate + 20% (state may change a little between estimate and inclusion). */
const GAS_MARGIN = (gas: bigint) => gas + gas / 5n;
/** A pending version is broadcast again this often (the node may have dropped it). */
const REBROADCAST_MS = 30_000;
const TIP_MAX_AGE_MS = 10_000;
/** Replacements and re-broadcasts per tracker pass, lowest nonces first (later ones wait behind them anyway). */
const MAX_BUMPS_PER_PASS = 200;
const MAX_REBROADCASTS_PER_PASS = 100;

type Entry = {
  record: OutboxRecord;
  receipt: Promise<TransactionReceipt>;
  resolve: (receipt: TransactionReceipt) => void;
  reject: (error: Error) => void;
  /** Wall-clock ms of the last broadcast (re-broadcasts included). */
  broadcastAt: number;
};

const message = (error: unknown) => ((error as Error)?.message ?? String(error)).split("\n")[0]!;
const isKnown = (text: string) => /already known|known transaction|already imported|already in the mempool/i.test(text);
const isNonceUsed = (text: string) => /nonce too low|nonce has already been used|nonce is too low/i.test(text);
const isUnderpriced = (text: string) => /underpriced|replacement transaction|fee too low|too low for the next block|max fee per gas less than block base fee/i.test(text);
/** A later nonce before an earlier one reached the node (Hardhat's automine refuses to queue it). */
const isNonceGap = (text: string) => /nonce too high|nonce gap|can't be queued/i.test(text);
const isTransient = (text: string) => /fetch failed|timed? ?out|ECONNREFUSED|ECONNRESET|socket|HTTP request failed|network/i.test(text);

export type TxSender = ReturnType<typeof createTxSender>;

/**
 * Sends the owner's contract transactions, many at once, each with its own nonce:
 * - a revert surfaces with its custom error before any gas is spent (gas estimation);
 * - nonces come from one allocator: the highest nonce in the `outbox` table + 1 (or the chain's
 *   count, if higher), checked by the table's primary key, so neither concurrent sends nor a
 *   restart nor a second process on the same data dir (the CLI) reuse one;
 * - every signed version is stored before it is broadcast; after a restart the pending ones are
 *   tracked and broadcast again;
 * - one tracker loop (not a poll per transaction) finds mined nonces and re-sends the pending ones
 *   with higher fees: with the market when the base fee rose above what they offer, and, for a
 *   transaction with a deadline, climbing to the configured ceiling as its window runs out. A
 *   transaction inherits the most urgent deadline of every later pending nonce, since those cannot
 *   be mined before it: a stuck transaction never holds an answer past its deadline for want of fees.
 */
export function createTxSender({
  chain,
  address,
  log,
  store,
  fees = defaultFeePolicy,
  pollIntervalMs = 1000,
}: {
  chain: ChainConnection;
  address: Address;
  log: Logger;
  store: { outbox: OutboxStore };
  fees?: TxFeePolicy | undefined;
  pollIntervalMs?: number | undefined;
}) {
  const account = chain.owner.address;
  const clock: ChainClock = createChainClock({ chain });
  const entries = new Map<number, Entry>();
  const byHash = new Map<Hex, number>();
  let nextNonce = 0;
  let loaded: Promise<void> | undefined;
  let tip = 0n;
  let tipAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped = false;
  let inOrder: Promise<unknown> = Promise.resolve();
  const tickMs = Math.min(Math.max(pollIntervalMs, 100), 1000);

  const suggestedTip = async (): Promise<bigint> => {
    if (Date.now() - tipAt > TIP_MAX_AGE_MS) {
      tip = await chain.publicClient.estimateMaxPriorityFeePerGas().catch(() => tip || 1_000_000_000n);
      tipAt = Date.now();
    }
    return tip;
  };

  const newEntry = (record: OutboxRecord): Entry => {
    let resolve!: (receipt: TransactionReceipt) => void;
    let reject!: (error: Error) => void;
    const receipt = new Promise<TransactionReceipt>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    receipt.catch(() => {});
    const entry: Entry = { record, receipt, resolve, reject, broadcastAt: 0 };
    entries.set(record.nonce, entry);
    for (const hash of record.hashes) byHash.set(hash, record.nonce);
    return entry;
  };

  const ensureLoaded = (): Promise<void> => {
    loaded ??= (async () => {
      const pending = await store.outbox.pending(account);
      for (const record of pending) newEntry(record);
      // Sent (or only stored) before a restart: broadcast again, in nonce order.
      for (const record of pending) {
        const outcome = await broadcast(record.raw);
        if (outcome !== "gap") entries.get(record.nonce)!.broadcastAt = Date.now();
      }
      const chainCount = await chain.publicClient.getTransactionCount({ address: account, blockTag: "pending" });
      nextNonce = Math.max(nextNonce, chainCount);
      if (pending.length > 0) {
        log.info({ pending: pending.length, nonces: `${pending[0]!.nonce}…${pending.at(-1)!.nonce}` }, "tracking transactions sent before the restart");
        schedule(0);
      }
    })().catch((error) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };

  const sign = (record: Pick<OutboxRecord, "to" | "data" | "value" | "gas" | "nonce">, f: Fees) =>
    chain.owner.signTransaction({
      type: "eip1559",
      chainId: chain.chainId,
      to: record.to,
      data: record.data,
      value: record.value,
      gas: record.gas,
      nonce: record.nonce,
      maxFeePerGas: f.maxFeePerGas,
      maxPriorityFeePerGas: f.maxPriorityFeePerGas,
    });

  /** Broadcasts `raw`; answers how the node took it. */
  const broadcast = async (raw: Hex): Promise<"ok" | "nonceUsed" | "underpriced" | "transient" | "gap" | { refused: string }> => {
    try {
      await chain.ownerWallet.sendRawTransaction({ serializedTransaction: raw });
      return "ok";
    } catch (error) {
      const text = error instanceof BaseError ? `${error.shortMessage} ${error.details ?? ""}` : message(error);
      if (isKnown(text)) return "ok";
      if (isNonceUsed(text)) return "nonceUsed";
      if (isNonceGap(text)) return "gap";
      if (isUnderpriced(text)) return "underpriced";
      if (isTransient(text)) return "transient";
      return { refused: text.trim() };
    }
  };

  /**
   * The window each pending nonce must meet: its own or any later pending nonce's, whichever is
   * most used up (a later nonce cannot be mined before it). `used` is -1 with no deadline at all.
   */
  const urgency = (sorted: Entry[], now: number): { used: number; spanSeconds: number }[] => {
    const out = new Array<{ used: number; spanSeconds: number }>(sorted.length);
    let most = { used: -1, spanSeconds: 0 };
    for (let i = sorted.length - 1; i >= 0; i--) {
      const { deadline, openedAt } = sorted[i]!.record;
      if (deadline !== null) {
        const window = { deadline, openedAt: openedAt ?? deadline - 60 };
        const used = windowUsed({ window, now });
        if (used > most.used) most = { used, spanSeconds: Math.max(1, window.deadline - window.openedAt) };
      }
      out[i] = most;
    }
    return out;
  };

  const replace = async (entry: Entry, next: Fees, why: string): Promise<void> => {
    const record = entry.record;
    const raw = await sign(record, next);
    const hash = keccak256(raw);
    const outcome = await broadcast(raw);
    if (outcome !== "ok" && outcome !== "transient" && outcome !== "gap") {
      log.debug({ nonce: record.nonce, outcome }, "fee bump not accepted");
      return;
    }
    Object.assign(record, { ...next, raw, hashes: [...record.hashes, hash], sends: record.sends + 1, lastSentAt: Date.now() });
    await store.outbox.resent(record);
    byHash.set(hash, record.nonce);
    entry.broadcastAt = outcome === "gap" ? 0 : Date.now();
    log.info(
      { label: record.label, nonce: record.nonce, txHash: hash, maxFeePerGas: String(next.maxFeePerGas), tip: String(next.maxPriorityFeePerGas), why },
      "transaction re-sent with higher fees",
    );
  };

  /** One pass of the tracker: settle mined nonces, re-send or bump the pending ones. */
  const tick = async (): Promise<void> => {
    await ensureLoaded();
    if (entries.size === 0) return;
    await clock.refresh();
    const mined = await chain.publicClient.getTransactionCount({ address: account, blockTag: "latest" });
    const sorted = [...entries.values()].sort((a, b) => a.record.nonce - b.record.nonce);
    const done = sorted.filter((e) => e.record.nonce < mined);
    // Which version of each used nonce was mined (newest first: it is the likely one).
    for (let i = 0; i < done.length; i += 32) {
      await Promise.allSettled(
        done.slice(i, i + 32).map(async (entry) => {
          const { record } = entry;
          for (const hash of [...record.hashes].reverse()) {
            // "Not found" means this version was not mined; any other error: look again next pass.
            const receipt = await chain.publicClient.getTransactionReceipt({ hash }).catch((error: Error) => {
              if (error instanceof TransactionReceiptNotFoundError) return null;
              throw error;
            });
            if (!receipt) continue;
            await store.outbox.finish({ account, nonce: record.nonce, status: "mined", minedHash: hash });
            entries.delete(record.nonce);
            entry.resolve(receipt);
            return;
          }
          await store.outbox.finish({ account, nonce: record.nonce, status: "lost", minedHash: null });
          entries.delete(record.nonce);
          log.warn({ label: record.label, nonce: record.nonce }, "nonce used by a transaction this server did not send");
          entry.reject(new TxLostError(`${record.label}: nonce ${record.nonce} was used by another transaction`));
        }),
      );
    }
    const pending = sorted.filter((e) => e.record.nonce >= mined);
    if (pending.length === 0) return;
    const now = clock.now();
    const baseFee = clock.baseFee();
    const suggested = await suggestedTip();
    const used = urgency(pending, now);
    const wall = Date.now();
    const work: Promise<void>[] = [];
    let bumps = 0;
    let rebroadcasts = 0;
    for (let i = 0; i < pending.length; i++) {
      const entry = pending[i]!;
      const { record } = entry;
      const { used: u, spanSeconds } = used[i]!;
      const current = { maxFeePerGas: record.maxFeePerGas, maxPriorityFeePerGas: record.maxPriorityFeePerGas };
      const target = escalateFees({ baseFee, tip: suggested, ceiling: fees.maxFeePerGas, used: Math.max(0, u) });
      const sinceSent = wall - record.lastSentAt;
      // With a deadline, look again often (a tenth of the time left, at least a second); without, wait bumpAfterMs.
      const left = u < 0 ? Infinity : (1 - u) * spanSeconds * 1000;
      const interval = u < 0 ? fees.bumpAfterMs : Math.min(fees.bumpAfterMs, Math.max(1000, left / 10));
      const belowMarket = record.maxFeePerGas < baseFee + (suggested < record.maxPriorityFeePerGas ? suggested : record.maxPriorityFeePerGas);
      // It was with the node before the latest block was built, the block had room, and it is not
      // in it: its fees (or an earlier nonce's) are what holds it back. A transaction that merely
      // waits for the next block is not re-sent: hundreds of replacements would only slow the node.
      const missedBlock = record.lastSentAt + tickMs + 1000 < clock.blockSeenAt() && clock.spareGas() >= record.gas;
      const behindTarget = missedBlock && target.maxFeePerGas * 10n > record.maxFeePerGas * 11n;
      if (sinceSent >= interval && (behindTarget || belowMarket) && bumps < MAX_BUMPS_PER_PASS) {
        const next = bumpFees({ current, target, ceiling: fees.maxFeePerGas });
        if (next) {
          bumps++;
          // Requests leave in nonce order without waiting for each other's answers.
          work.push(replace(entry, next, behindTarget ? `deadline window ${Math.round(Math.max(0, u) * 100)}% used` : "base fee above its max fee"));
          continue;
        }
      }
      if ((entry.broadcastAt === 0 || (missedBlock && wall - entry.broadcastAt >= REBROADCAST_MS)) && rebroadcasts < MAX_REBROADCASTS_PER_PASS) {
        rebroadcasts++;
        entry.broadcastAt = wall;
        work.push(
          broadcast(record.raw).then((outcome) => {
            if (outcome === "gap") entry.broadcastAt = 0;
            if (typeof outcome === "object") log.warn({ label: record.label, nonce: record.nonce, err: outcome.refused }, "re-broadcast refused");
          }),
        );
      }
    }
    await Promise.allSettled(work);
  };

  const schedule = (delay: number) => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      ticking = tick()
        .catch((error) => log.warn({ err: message(error) }, "transaction tracker: pass failed"))
        .finally(() => {
          ticking = undefined;
          if (entries.size > 0) schedule(tickMs);
        });
    }, delay);
    // Not unref'd: a caller waiting for a receipt (e.g. a CLI command) needs the process to stay up.
    // stop() ends the loop.
  };

  const submit = async <name extends WriteName>(parameters: SendParameters<name> | SendToParameters): Promise<Hex> => {
    const { functionName, args, value = 0n, window, label } = parameters;
    const target = "to" in parameters ? parameters.to : address;
    const abi: Abi = "abi" in parameters ? parameters.abi : serverContractAbi;
    await ensureLoaded();
    const data = encodeFunctionData({ abi, functionName, args } as never);
    let gas: bigint;
    try {
      // Against the latest block: a node builds its "pending" block from the whole mempool for every
      // estimate, which slows down with hundreds of answers waiting to be mined.
      gas = await chain.publicClient.estimateContractGas({ address: target, abi, functionName, args, value, account: chain.owner, blockTag: "latest" } as never);
    } catch (error) {
      const reason = revertReason(error);
      if (reason !== undefined) throw new TxRevertedError(`${functionName} would revert: ${reason}`, { reason, cause: error });
      throw error;
    }
    await clock.fresh();
    const used = window ? windowUsed({ window, now: clock.now() }) : 0;
    const f = escalateFees({ baseFee: clock.baseFee(), tip: await suggestedTip(), ceiling: fees.maxFeePerGas, used });
    const body = { to: target, data, value, gas: GAS_MARGIN(gas) };
    for (;;) {
      // Read before the next line: nothing awaits between taking `nextNonce` and moving it on.
      const recorded = await store.outbox.maxNonce(account);
      const nonce = Math.max(nextNonce, recorded + 1);
      nextNonce = nonce + 1;
      // Sign, store and broadcast in nonce order (a node may refuse a nonce ahead of a gap).
      const turn = inOrder.then(async () => {
        const raw = await sign({ ...body, nonce }, f);
        const hash = keccak256(raw);
        const now = Date.now();
        const record: OutboxRecord = {
          account,
          nonce,
          label: label ?? functionName,
          ...body,
          deadline: window?.deadline ?? null,
          openedAt: window?.openedAt ?? null,
          ...f,
          raw,
          hashes: [hash],
          status: "pending",
          minedHash: null,
          sends: 1,
          firstSentAt: now,
          lastSentAt: now,
        };
        // Another process on this data dir took the nonce meanwhile: take the next one.
        if (!(await store.outbox.add(record))) return undefined;
        const entry = newEntry(record);
        entry.broadcastAt = now;
        // Requests leave in nonce order; the next one does not wait for this answer.
        const outcome = broadcast(raw).then((result) => {
          // Behind a gap: the tracker broadcasts it again once the earlier nonce is in.
          entry.broadcastAt = result === "gap" ? 0 : now;
          return result;
        });
        return { record, entry, hash, raw, outcome };
      });
      inOrder = turn.catch(() => {});
      const sent = await turn;
      if (!sent) continue;
      const { record, entry, hash } = sent;
      const outcome = await sent.outcome;
      if (outcome === "nonceUsed") {
        // Someone else (another wallet with this key) used the nonce: count again from the chain.
        await store.outbox.finish({ account, nonce, status: "lost", minedHash: null });
        entries.delete(nonce);
        byHash.delete(hash);
        nextNonce = Math.max(nextNonce, await chain.publicClient.getTransactionCount({ address: account, blockTag: "pending" }));
        continue;
      }
      if (typeof outcome === "object") {
        // Refused for good (e.g. insufficient funds): the nonce must still be used, or every later
        // transaction waits behind the gap. A 0-value transfer to itself fills it.
        log.error({ label: record.label, nonce, err: outcome.refused }, "transaction refused by the node: filling its nonce");
        entry.reject(new TxLostError(`${record.label} refused by the node: ${outcome.refused}`));
        const cancel = { to: account, data: "0x" as Hex, value: 0n, gas: 21_000n, nonce };
        const cancelRaw = await sign(cancel, f);
        Object.assign(record, { ...cancel, label: `cancel ${record.label}`, raw: cancelRaw, hashes: [...record.hashes, keccak256(cancelRaw)], sends: 2 });
        await store.outbox.resent(record);
        byHash.set(keccak256(cancelRaw), nonce);
        await broadcast(cancelRaw);
        schedule(0);
        throw new TxLostError(`${record.label} refused by the node: ${outcome.refused}`);
      }
      // First look soon (a CLI command waits for this receipt); then every tickMs.
      schedule(outcome === "gap" ? 0 : Math.min(tickMs, 250));
      return hash;
    }
  };

  const wait = async (txHash: Hex): Promise<TransactionReceipt> => {
    await ensureLoaded();
    const nonce = byHash.get(txHash);
    const entry = nonce === undefined ? undefined : entries.get(nonce);
    if (entry) return entry.receipt;
    const record = await store.outbox.findByHash(account, txHash);
    if (record?.status === "mined" && record.minedHash) return chain.publicClient.getTransactionReceipt({ hash: record.minedHash });
    if (record?.status === "lost") throw new TxLostError(`${record.label}: nonce ${record.nonce} was used by another transaction`);
    if (record?.status === "pending") {
      // Loaded after this record was finished by another process: fall through to the chain.
    }
    return chain.publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 });
  };

  return {
    clock,
    /** Hands the transaction to the node and returns its first hash without waiting; `wait` follows it through fee bumps. */
    submit,
    /** The receipt of whichever version of `txHash`'s nonce was mined; TxLostError if none will be. */
    wait,
    /** Sends and waits for inclusion; throws TxRevertedError when the contract refuses. */
    async send<name extends WriteName>(parameters: SendParameters<name> | SendToParameters): Promise<{ txHash: Hex; receipt: TransactionReceipt }> {
      const first = await submit(parameters);
      const receipt = await wait(first);
      if (receipt.status !== "success") {
        throw new TxRevertedError(`${parameters.functionName} reverted in ${receipt.transactionHash}`, { txHash: receipt.transactionHash });
      }
      log.info({ functionName: parameters.functionName, txHash: receipt.transactionHash, block: Number(receipt.blockNumber) }, "transaction mined");
      return { txHash: receipt.transactionHash, receipt };
    },
    /** Transactions sent and not mined yet (by label). */
    async pending(): Promise<{ label: string; nonce: number; sends: number; maxFeePerGas: bigint }[]> {
      await ensureLoaded();
      return [...entries.values()].map(({ record }) => ({ label: record.label, nonce: record.nonce, sends: record.sends, maxFeePerGas: record.maxFeePerGas }));
    },
    /** Stops the tracker (what is pending stays in the outbox for the next start). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await ticking;
    },
  };
}
