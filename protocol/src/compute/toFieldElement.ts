import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME_BIG } from "./constants.ts";

/**
 * An integer as an element of GF(p), p = 2^31 − 1: its residue in 0..p−1 (so −1 becomes p − 1).
 *
 * @throws {ComputeError} `InvalidElement` for a non-integer number.
 */
export function toFieldElement(value: bigint | number): number {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new ComputeError("InvalidElement", `${value} is not a safe integer`);
  }
  const v = BigInt(value) % FIELD_PRIME_BIG;
  return Number(v < 0n ? v + FIELD_PRIME_BIG : v);
}
