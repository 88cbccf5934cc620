import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME } from "./constants.ts";
import { mulmod } from "./mulmod.ts";
import type { Matrix } from "./types.ts";

export type FreivaldsCheckParameters = {
  a: Matrix;
  b: Matrix;
  c: Matrix;
  /** Independent rounds (default 2). A wrong C passes all of them with probability ≤ p^−rounds (< 2^−61.9 for 2). */
  rounds?: number | undefined;
  /** Source of uniform field elements (default: crypto.getRandomValues, rejection-sampled). */
  randomElement?: (() => number) | undefined;
};

/** The probability bound a wrong result passes `rounds` rounds: (1/p)^rounds, as log2. */
export function freivaldsErrorLog2(rounds: number): number {
  return -rounds * Math.log2(FIELD_PRIME);
}

/**
 * Freivalds' check that C = A·B mod p: for random r, A·(B·r) = C·r. O(n²) per round instead of
 * O(n³). `true` means "verified" (a wrong C slips through with probability ≤ p^−rounds).
 *
 * @throws {ComputeError} `InvalidDimensions` when the shapes do not fit.
 */
export function freivaldsCheck({ a, b, c, rounds = 2, randomElement = cryptoElement }: FreivaldsCheckParameters): boolean {
  if (a.cols !== b.rows || c.rows !== a.rows || c.cols !== b.cols) {
    throw new ComputeError("InvalidDimensions", `${c.rows}×${c.cols} is not the shape of ${a.rows}×${a.cols} · ${b.rows}×${b.cols}`);
  }
  for (let round = 0; round < rounds; round++) {
    const r = new Uint32Array(b.cols);
    for (let j = 0; j < r.length; j++) r[j] = randomElement();
    const br = matVec(b, r);
    const left = matVec(a, br);
    const right = matVec(c, r);
    for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  }
  return true;
}

/** M·v mod p, row by row (terms < 2^31 summed exactly, reduced every 2^21 terms). */
export function matVec(m: Matrix, v: Uint32Array): Uint32Array {
  const out = new Uint32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    let sum = 0;
    for (let t = 0; t < m.cols; t++) {
      sum += mulmod(m.data[base + t]!, v[t]!);
      if ((t & 0x1fffff) === 0x1fffff) sum %= FIELD_PRIME;
    }
    out[i] = sum % FIELD_PRIME;
  }
  return out;
}

function cryptoElement(): number {
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const x = buffer[0]! & 0x7fffffff;
    if (x < FIELD_PRIME) return x;
  }
}
