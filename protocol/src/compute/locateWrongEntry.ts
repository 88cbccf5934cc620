import { FIELD_PRIME } from "./constants.ts";
import { matVec } from "./matVec.ts";
import { mulmod } from "./mulmod.ts";
import type { Matrix } from "./types.ts";

/**
 * Finds one wrong entry of C ≠ A·B: a row i where A·(B·r) and C·r differ for a random r, then the
 * first column j of that row where C[i][j] ≠ Σ_t A[i][t]·B[t][j]. O(n²) + O(n·k). Returns
 * undefined when C = A·B (each wrong row is found with probability ≥ 1 − 1/p per round; 4 rounds).
 */
export function locateWrongEntry({ a, b, c }: { a: Matrix; b: Matrix; c: Matrix }): { i: number; j: number; expected: number; found: number } | undefined {
  for (let round = 0; round < 4; round++) {
    const r = new Uint32Array(b.cols);
    crypto.getRandomValues(r);
    for (let j = 0; j < r.length; j++) r[j] = r[j]! % FIELD_PRIME;
    const left = matVec({ matrix: a, vector: matVec({ matrix: b, vector: r }) });
    const right = matVec({ matrix: c, vector: r });
    for (let i = 0; i < left.length; i++) {
      if (left[i] === right[i]) continue;
      for (let j = 0; j < c.cols; j++) {
        let sum = 0;
        for (let t = 0; t < a.cols; t++) {
          sum += mulmod(a.data[i * a.cols + t]!, b.data[t * b.cols + j]!);
          if ((t & 0x1fffff) === 0x1fffff) sum %= FIELD_PRIME;
        }
        const expected = sum % FIELD_PRIME;
        const found = c.data[i * c.cols + j]!;
        if (expected !== found) return { i, j, expected, found };
      }
    }
  }
  return undefined;
}
