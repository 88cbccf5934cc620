import { ComputeError } from "./ComputeError.ts";
import { FIELD_PRIME, MATRIX_TRAILER_SIZE } from "./constants.ts";
import { type MatrixGeometry } from "./matrixGeometry.ts";
import { matrixWords } from "./matrixWords.ts";
import { mulmod } from "./mulmod.ts";
import { readMatrixTrailer } from "./readMatrixTrailer.ts";

export type FreivaldsCheckFilesParameters = {
  /** A: m×k, stored by rows. */
  a: Uint8Array;
  /** B: k×n, stored by columns (as a job's input B) or by rows. */
  b: Uint8Array;
  /** The claimed C: m×n, stored by rows. */
  c: Uint8Array;
  /** Independent rounds (default 2: a wrong C passes with probability ≤ p^−2 < 2^−61.9). */
  rounds?: number | undefined;
  randomElement?: (() => number) | undefined;
};

/**
 * Freivalds' check of C = A·B mod p straight on the three matrix files (no decoding, no
 * transposition): B·r as a combination of B's stored lines, then A·(B·r) and C·r as dot products
 * with their rows. Also refuses a C with an element ≥ p (the contract counts it as wrong).
 * Returns the rows i where A·(B·r) and C·r differed (empty when verified).
 *
 * @throws {ComputeError} `InvalidMatrixFile` / `InvalidDimensions` when the files do not fit together.
 */
export function freivaldsCheckFiles({ a, b, c, rounds = 2, randomElement = cryptoElement }: FreivaldsCheckFilesParameters): {
  verified: boolean;
  wrongRows: number[];
} {
  const geometry = (bytes: Uint8Array) => readMatrixTrailer({ trailer: bytes.subarray(bytes.length - MATRIX_TRAILER_SIZE), size: bytes.length });
  const [ga, gb, gc] = [geometry(a), geometry(b), geometry(c)];
  if (ga.layout !== "rows" || gc.layout !== "rows" || ga.cols !== gb.rows || gc.rows !== ga.rows || gc.cols !== gb.cols) {
    throw new ComputeError("InvalidDimensions", `${gc.rows}×${gc.cols} (${gc.layout}) is not the product of ${ga.rows}×${ga.cols} (${ga.layout}) and ${gb.rows}×${gb.cols}`);
  }
  const [wa, wb, wc] = [a, b, c].map((x) => matrixWords(x.subarray(0, x.length - MATRIX_TRAILER_SIZE))) as [Uint32Array, Uint32Array, Uint32Array];
  for (let i = 0; i < gc.lines; i++) {
    for (let t = i * gc.stride, end = t + gc.lineLength; t < end; t++) {
      if (wc[t]! >= FIELD_PRIME) return { verified: false, wrongRows: [i] };
    }
  }
  const wrong = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const r = new Uint32Array(gb.cols);
    for (let j = 0; j < r.length; j++) r[j] = randomElement();
    const br = timesVector(gb, wb, r);
    const left = timesVector(ga, wa, br);
    const right = timesVector(gc, wc, r);
    for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) wrong.add(i);
  }
  return { verified: wrong.size === 0, wrongRows: [...wrong].sort((x, y) => x - y) };
}

/** M·v mod p for a matrix file's words, whichever its layout. */
function timesVector(g: MatrixGeometry, words: Uint32Array, v: Uint32Array): Uint32Array {
  const out = new Uint32Array(g.rows);
  if (g.layout === "rows") {
    for (let i = 0; i < g.rows; i++) {
      let sum = 0;
      for (let t = 0, base = i * g.stride; t < g.cols; t++) {
        sum += mulmod(words[base + t]!, v[t]!);
        if ((t & 0x1fffff) === 0x1fffff) sum %= FIELD_PRIME;
      }
      out[i] = sum % FIELD_PRIME;
    }
    return out;
  }
  // Columns: M·v = Σ_j v_j · column_j, accumulated in doubles (terms < 2^31, reduced every 2^21).
  const acc = new Float64Array(g.rows);
  for (let j = 0; j < g.cols; j++) {
    const vj = v[j]!;
    for (let t = 0, base = j * g.stride; t < g.rows; t++) acc[t] += mulmod(words[base + t]!, vj);
    if ((j & 0x1fffff) === 0x1fffff) for (let t = 0; t < g.rows; t++) acc[t] %= FIELD_PRIME;
  }
  for (let t = 0; t < g.rows; t++) out[t] = acc[t]! % FIELD_PRIME;
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
