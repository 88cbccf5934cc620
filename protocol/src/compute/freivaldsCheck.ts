import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME } from "./constants.ts";
import { matVec } from "./matVec.ts";
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
    const br = matVec({ matrix: b, vector: r });
    const left = matVec({ matrix: a, vector: br });
    const right = matVec({ matrix: c, vector: r });
    for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  }
  return true;
}

function cryptoElement(): number {
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const x = buffer[0]! & 0x7fffffff;
    if (x < FIELD_PRIME) return x;
  }
}
