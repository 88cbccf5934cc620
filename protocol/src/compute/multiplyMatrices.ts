import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME } from "./constants.ts";
import { mulmod } from "./mulmod.ts";
import type { Matrix } from "./types.ts";

/**
 * C = A·B mod p in plain TypeScript (B is transposed once so both operands are read along rows).
 * The reference the WebAssembly kernel is tested against, and the fallback where it cannot run.
 *
 * @throws {ComputeError} `InvalidDimensions` when A's columns are not B's rows.
 */
export function multiplyMatrices({ a, b }: { a: Matrix; b: Matrix }): Matrix {
  if (a.cols !== b.rows) throw new ComputeError("InvalidDimensions", `cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const { rows: m, cols: k } = a;
  const n = b.cols;
  const bt = new Uint32Array(k * n);
  for (let t = 0; t < k; t++) for (let j = 0; j < n; j++) bt[j * k + t] = b.data[t * n + j]!;
  const c = new Uint32Array(m * n);
  for (let i = 0; i < m; i++) {
    const ai = i * k;
    for (let j = 0; j < n; j++) {
      const bj = j * k;
      let sum = 0;
      for (let t = 0; t < k; t++) {
        sum += mulmod(a.data[ai + t]!, bt[bj + t]!);
        // Terms are < 2^31: reduce before the sum could reach 2^53.
        if ((t & 0x1fffff) === 0x1fffff) sum %= FIELD_PRIME;
      }
      c[i * n + j] = sum % FIELD_PRIME;
    }
  }
  return { rows: m, cols: n, data: c };
}
