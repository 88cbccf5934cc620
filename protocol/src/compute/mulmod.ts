import { FIELD_PRIME } from "./constants.ts";

const TWO31 = 2147483648;

/**
 * a·b mod p for a, b in 0..p−1, exact with doubles: b is split in 16-bit halves so every
 * intermediate stays below 2^53, and the reductions use 2^31 ≡ 1 (mod p), not `%`.
 */
export function mulmod(a: number, b: number): number {
  let t = a * (b >>> 16); // < 2^46
  t = (t - Math.floor(t / TWO31) * TWO31) + Math.floor(t / TWO31); // < 2^31 + 2^15
  let s = t * 65536 + a * (b & 0xffff); // < 2^48
  s = (s - Math.floor(s / TWO31) * TWO31) + Math.floor(s / TWO31); // < 2^31 + 2^17
  return s >= FIELD_PRIME ? s - FIELD_PRIME : s;
}
