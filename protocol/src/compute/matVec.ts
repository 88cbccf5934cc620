import { FIELD_PRIME } from "./constants.ts";
import { mulmod } from "./mulmod.ts";
import type { Matrix } from "./types.ts";

/** M·v mod p, row by row (terms < 2^31 summed exactly, reduced every 2^21 terms). */
export function matVec({ matrix: m, vector: v }: { matrix: Matrix; vector: Uint32Array }): Uint32Array {
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
