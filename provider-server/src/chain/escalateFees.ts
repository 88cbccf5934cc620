export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/** A deadline's window: it opened at `openedAt` (chain time) and closes at `deadline`. */
export type DeadlineWindow = { deadline: number; openedAt: number };

/** Share of its window a deadline has used at `now`: 0 at the opening, 1 at the deadline. */
export function windowUsed({ window, now }: { window: DeadlineWindow; now: number }): number {
  const span = Math.max(1, window.deadline - window.openedAt);
  return Math.min(1, Math.max(0, (now - window.openedAt) / span));
}

/** Fees start climbing once this share of the window is gone… */
export const ESCALATE_FROM = 0.5;
/** …and reach the ceiling here. */
export const ESCALATE_TO = 0.8;

/**
 * The fees a transaction should carry: the market's (2 × base fee + tip, EIP-1559's usual headroom
 * for a few blocks of rising base fee) until half of its deadline's window is gone, then rising in
 * a straight line to `ceiling` (max fee) and ceiling / 2 (tip) at 80% of the window, so the answer
 * outbids everything it can afford to before the deadline. Never above the ceiling.
 */
export function escalateFees({ baseFee, tip, ceiling, used }: { baseFee: bigint; tip: bigint; ceiling: bigint; used: number }): Fees {
  const market = 2n * baseFee + tip;
  const g = Math.min(1, Math.max(0, (used - ESCALATE_FROM) / (ESCALATE_TO - ESCALATE_FROM)));
  const scale = BigInt(Math.round(g * 1_000_000));
  const lerp = (from: bigint, to: bigint) => (to > from ? from + ((to - from) * scale) / 1_000_000n : from);
  const maxFeePerGas = min(ceiling, lerp(market, ceiling));
  const maxPriorityFeePerGas = min(maxFeePerGas, lerp(tip, ceiling / 2n));
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/**
 * Fees for a replacement of a pending transaction: at least +12.5% on both (nodes refuse a
 * replacement under +10%), at least `target`, at most `ceiling`. Undefined when the ceiling leaves
 * no room for a valid replacement.
 */
export function bumpFees({ current, target, ceiling }: { current: Fees; target: Fees; ceiling: bigint }): Fees | undefined {
  const up = (x: bigint) => x + max(1n, (x + 7n) / 8n);
  const maxFeePerGas = min(ceiling, max(target.maxFeePerGas, up(current.maxFeePerGas)));
  const maxPriorityFeePerGas = min(maxFeePerGas, max(target.maxPriorityFeePerGas, up(current.maxPriorityFeePerGas)));
  const enough = (next: bigint, now: bigint) => next * 10n >= now * 11n && next > now;
  if (!enough(maxFeePerGas, current.maxFeePerGas) || !enough(maxPriorityFeePerGas, current.maxPriorityFeePerGas)) return undefined;
  return { maxFeePerGas, maxPriorityFeePerGas };
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
