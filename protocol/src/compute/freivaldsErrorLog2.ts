import { FIELD_PRIME } from "./constants.ts";

/** The probability bound a wrong result passes `rounds` rounds: (1/p)^rounds, as log2. */
export function freivaldsErrorLog2(rounds: number): number {
  return -rounds * Math.log2(FIELD_PRIME);
}
