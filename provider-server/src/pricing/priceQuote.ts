import type { Pricing } from "../config.ts";

const MIB = 1024n * 1024n;
/** The fine multiplier is applied in basis points so fractional multipliers stay exact in bigint. */
const BASIS = 10_000n;

/**
 * price = max(minPrice, weiPerMiBDay × ⌈size / MiB⌉ (at least 1) × days); fine = price × multiplier.
 */
export function priceQuote({ pricing, size, storageDays }: { pricing: Pricing; size: number; storageDays: number }): { price: bigint; fine: bigint } {
  const mib = BigInt(size) === 0n ? 1n : (BigInt(size) + MIB - 1n) / MIB;
  const byUse = pricing.weiPerMiBDay * mib * BigInt(storageDays);
  const price = byUse > pricing.minPrice ? byUse : pricing.minPrice;
  const fine = (price * BigInt(Math.round(pricing.fineMultiplier * Number(BASIS)))) / BASIS;
  return { price, fine };
}
