import { ComputeError } from "../ComputeError.ts";
import { FIELD_PRIME, MATRIX_TRAILER_SIZE } from "../constants.ts";
import { matrixWords } from "../matrixWords.ts";
import { readMatrixTrailer } from "../readMatrixTrailer.ts";
import { matmulWasmBase64 } from "./matmulWasmBinary.ts";

export type FreivaldsVerifier = {
  /**
   * Freivalds' check of C = A·B mod p on the three files, like {@link freivaldsCheckFiles} (same
   * answer, same rows), with the products in WebAssembly SIMD: B·r as a combination of B's stored
   * columns, A·(B·r) and C·r with the matrix kernel. Every element of C must be < p.
   */
  check(parameters: { a: Uint8Array; b: Uint8Array; c: Uint8Array; rounds?: number | undefined; randomElement?: (() => number) | undefined }): {
    verified: boolean;
    wrongRows: number[];
  };
};

type Exports = {
  memory: WebAssembly.Memory;
  matmul(a: number, b: number, c: number, m: number, n: number, kb: number, cs: number): void;
  combine(src: number, count: number, lb: number, sb: number, coef: number, acc: number): void;
};

const PAGE = 65536;
const BLOCK = 64;

/**
 * The browser's verifier: Freivalds' check in WebAssembly (the module of the provider's kernel).
 * Two rounds by default: a wrong C passes with probability ≤ p^−2 < 2^−61.9.
 *
 * @throws {ComputeError} `WasmUnavailable`
 */
export async function loadFreivaldsVerifier(): Promise<FreivaldsVerifier> {
  let wasm: Exports;
  try {
    const binary = Uint8Array.from(atob(matmulWasmBase64), (ch) => ch.charCodeAt(0));
    wasm = (await WebAssembly.instantiate(binary)).instance.exports as unknown as Exports;
  } catch (error) {
    throw new ComputeError("WasmUnavailable", "WebAssembly SIMD is not available here", { cause: error });
  }
  return {
    check({ a, b, c, rounds = 2, randomElement = cryptoElement }) {
      const geometry = (bytes: Uint8Array) => readMatrixTrailer({ trailer: bytes.subarray(bytes.length - MATRIX_TRAILER_SIZE), size: bytes.length });
      const [ga, gb, gc] = [geometry(a), geometry(b), geometry(c)];
      if (ga.layout !== "rows" || gc.layout !== "rows" || ga.cols !== gb.rows || gc.rows !== ga.rows || gc.cols !== gb.cols) {
        throw new ComputeError("InvalidDimensions", `${gc.rows}×${gc.cols} (${gc.layout}) is not the product of ${ga.rows}×${ga.cols} (${ga.layout}) and ${gb.rows}×${gb.cols}`);
      }
      const wc = matrixWords(c.subarray(0, c.length - MATRIX_TRAILER_SIZE));
      for (let i = 0; i < gc.lines; i++) {
        for (let t = i * gc.stride, end = t + gc.lineLength; t < end; t++) if (wc[t]! >= FIELD_PRIME) return { verified: false, wrongRows: [i] };
      }
      // Memory: A body | B body | C body | r line | x line | acc (u64) | out (u32) | out2 (u32)
      const body = (x: Uint8Array) => x.length - MATRIX_TRAILER_SIZE;
      const layout = { a: 0, b: body(a), c: body(a) + body(b) };
      const rOff = layout.c + body(c);
      const rBytes = gc.stride * 4; // r: n entries, one line of C's stride (B by rows has the same stride)
      const xOff = rOff + align(rBytes);
      const xBytes = ga.stride * 4; // B·r has k entries, as one line of A's stride
      const accOff = xOff + align(xBytes);
      const outOff = accOff + align(8 * ga.stride);
      const out2Off = outOff + align(4 * ga.rows);
      const needed = out2Off + align(4 * ga.rows);
      if (needed > wasm.memory.buffer.byteLength) wasm.memory.grow(Math.ceil((needed - wasm.memory.buffer.byteLength) / PAGE));
      let mem = new Uint8Array(wasm.memory.buffer);
      mem.set(a.subarray(0, body(a)), layout.a);
      mem.set(b.subarray(0, body(b)), layout.b);
      mem.set(c.subarray(0, body(c)), layout.c);
      mem = new Uint8Array(wasm.memory.buffer);
      const words = new Uint32Array(wasm.memory.buffer);
      const wrong = new Set<number>();
      // In blocks of rows / lines: V8 first runs WebAssembly in its baseline tier and swaps in the
      // optimised code between calls, so one long call would run unoptimised to the end.
      const matVec = (m: number, v: number, out: number, rows: number, kb: number) => {
        for (let i = 0; i < rows; i += BLOCK) wasm.matmul(m + i * kb, v, out + 4 * i, Math.min(BLOCK, rows - i), 1, kb, 4);
      };
      for (let round = 0; round < rounds; round++) {
        mem.fill(0, rOff, needed);
        const r = words.subarray(rOff / 4, rOff / 4 + gb.cols);
        for (let j = 0; j < gb.cols; j++) r[j] = randomElement();
        // x = B·r (k entries), written as one line of A's stride.
        const x = words.subarray(xOff / 4, xOff / 4 + ga.stride);
        if (gb.layout === "columns") {
          const sb = gb.stride * 4;
          for (let j = 0; j < gb.cols; j += BLOCK) wasm.combine(layout.b + j * sb, Math.min(BLOCK, gb.cols - j), sb, sb, rOff + 4 * j, accOff);
          reduceInto(new Uint32Array(wasm.memory.buffer, accOff, 2 * ga.stride), x, gb.rows);
        } else {
          matVec(layout.b, rOff, xOff, gb.rows, gb.stride * 4);
        }
        matVec(layout.a, xOff, outOff, ga.rows, ga.stride * 4); // A·x
        matVec(layout.c, rOff, out2Off, gc.rows, gc.stride * 4); // C·r
        const left = words.subarray(outOff / 4, outOff / 4 + ga.rows);
        const right = words.subarray(out2Off / 4, out2Off / 4 + gc.rows);
        for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) wrong.add(i);
      }
      return { verified: wrong.size === 0, wrongRows: [...wrong].sort((p, q) => p - q) };
    },
  };
}

const align = (n: number) => Math.ceil(n / 32) * 32;

/** acc (u64 pairs, each < 2^34) mod p into `out` (first `count` entries). */
function reduceInto(acc: Uint32Array, out: Uint32Array, count: number): void {
  for (let t = 0; t < count; t++) out[t] = (acc[2 * t]! + acc[2 * t + 1]! * 4294967296) % FIELD_PRIME;
}

function cryptoElement(): number {
  const buffer = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buffer);
    const x = buffer[0]! & 0x7fffffff;
    if (x < FIELD_PRIME) return x;
  }
}

