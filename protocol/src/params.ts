// The contract's constructor parameters (`ServerContract.Params`, same names and order). Public chains
// get windows long enough for a provider to notice and answer (a day) and money limits sized for
// mainnet gas; local development gets short windows so the whole lifecycle can be tried in minutes.
// The arithmetic behind every number is in docs/protocol-notes.md ("Contract v2") and printed by
// `npm run bench:gas`.
export type ContractParams = {
  /** Seconds after payment before the price may be settled to the provider. */
  settleDelay: bigint;
  /** Seconds the provider has to answer a delivery dispute or a storage challenge. */
  responseWindow: bigint;
  /** Minimum seconds between two storage challenges on one order. */
  challengeCooldown: bigint;
  /** Wei per named chunk deposited with a challenge; an answer pays the provider its gas out of it. */
  challengeBond: bigint;
  /** K: the most chunk indices one challenge may name (1..7). */
  maxChallengeChunks: bigint;
  /** On an answer the provider gets min(bond, answerGas × basefee × this / 100); the client the rest. */
  bondMarginPercent: bigint;
  /** The smallest fine a quote may carry: a justified penalty pays the client's enforcement gas. */
  minFine: bigint;
  /** The largest fine any quote may carry. */
  maxFine: bigint;
  /** Above minFine, a fine is at most price × this. */
  maxFineMultiple: bigint;
  /** Fines newly locked per fineLockPeriod are capped at this: what a stolen signer key can cost per period. */
  fineLockLimit: bigint;
  /** Seconds. */
  fineLockPeriod: bigint;
};

const DAY = 86_400n;
const GWEI = 1_000_000_000n;
const ETH = 1_000_000_000_000_000_000n;

/**
 * Gas bound of a storage answer, as the contract computes it (ANSWER_GAS_* constants):
 * base + chunks × (perChunk + depth × perNode), depth = ⌈log2(chunk count)⌉.
 */
export const answerGas = { base: 32_000n, perChunk: 50_000n, perNode: 1_400n } as const;

export const publicChainParams: ContractParams = {
  settleDelay: 3n * DAY,
  responseWindow: DAY,
  challengeCooldown: 7n * DAY,
  // 0.025 ETH per named chunk. A one-chunk answer on a 1 GiB file is bounded at 110,000 gas
  // (measured 91,9xx), so with the 2× margin the bond pays it in full up to 113 gwei (files up to
  // 1 TiB: 100 gwei). At 10 gwei the provider gets 0.0022 ETH and 0.0228 ETH returns to the client.
  challengeBond: 25_000_000n * GWEI,
  maxChallengeChunks: 4n,
  // 2×: the base fee may double between challenge and answer, and covers a priority fee.
  bondMarginPercent: 200n,
  // 0.02 ETH: challenge (≤ 75k) + claimPenalty (~45k) + withdraw (~40k) ≈ 160k gas, covered up to
  // 125 gwei, on top of the price and the bond the client gets back.
  minFine: 20_000_000n * GWEI,
  // A fine above the minimum is at most 4× the price and never above 2 ETH.
  maxFine: 2n * ETH,
  maxFineMultiple: 4n,
  // At most 4 ETH of new fines a day: a stolen signer key rotated within a day costs at most 8 ETH.
  fineLockLimit: 4n * ETH,
  fineLockPeriod: DAY,
};

export const localDevParams: ContractParams = {
  settleDelay: 120n,
  responseWindow: 60n,
  challengeCooldown: 30n,
  challengeBond: 1_000_000n * GWEI, // 0.001 ETH: pays an answer in full up to ~4.5 gwei (local chains run near 1)
  maxChallengeChunks: 4n,
  bondMarginPercent: 200n,
  // Local chains: the server's smallest default quote (price 1e13 wei, fine 2e13) stays payable.
  minFine: 10_000_000_000_000n,
  maxFine: 100n * ETH,
  maxFineMultiple: 10n,
  fineLockLimit: 1_000n * ETH,
  fineLockPeriod: 3_600n,
};

export const MAX_FILE_SIZE = 1024n << 40n;

/** The largest fine the contract accepts for a quote at `price` (mirrors `maxFineFor`). */
export function maxFineFor({ params, price }: { params: ContractParams; price: bigint }): bigint {
  const byPrice = price * params.maxFineMultiple;
  const cap = byPrice > params.minFine ? byPrice : params.minFine;
  return cap < params.maxFine ? cap : params.maxFine;
}

/** `fine` moved into the contract's bounds for a quote at `price`: [minFine, maxFineFor(price)]. */
export function clampFine({ params, price, fine }: { params: ContractParams; price: bigint; fine: bigint }): bigint {
  const max = maxFineFor({ params, price });
  if (fine > max) return max;
  return fine < params.minFine ? params.minFine : fine;
}

/** ⌈log2(chunks)⌉: the longest audit path in a tree of `chunks` leaves. */
function depthOf(chunks: bigint): bigint {
  let depth = 0n;
  for (let m = chunks - 1n; m > 0n; m >>= 1n) depth++;
  return depth;
}

/**
 * How the answer to a challenge naming `count` chunks of a `size`-byte file splits the bond at
 * `baseFee` (mirrors the contract's `bondSplit`): the answer's gas bound, what the provider is paid,
 * and what is credited back to the client.
 */
export function bondSplit({ params, size, count, baseFee }: { params: ContractParams; size: bigint; count: bigint; baseFee: bigint }): {
  answerGas: bigint;
  toProvider: bigint;
  toClient: bigint;
} {
  const chunks = size === 0n ? 1n : (size + 1023n) / 1024n;
  const gas = answerGas.base + count * (answerGas.perChunk + depthOf(chunks) * answerGas.perNode);
  const bond = params.challengeBond * count;
  const share = (gas * baseFee * params.bondMarginPercent) / 100n;
  const atLeastOne = share === 0n ? 1n : share;
  const toProvider = atLeastOne < bond ? atLeastOne : bond;
  return { answerGas: gas, toProvider, toClient: bond - toProvider };
}
