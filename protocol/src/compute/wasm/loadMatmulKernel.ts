import { ComputeError } from "../ComputeError.ts";
import { MATRIX_TRAILER_SIZE } from "../constants.ts";
import { matrixGeometry } from "../matrixGeometry.ts";
import { matrixTrailer } from "../matrixTrailer.ts";
import { matmulWasmBase64 } from "./matmulWasmBinary.ts";

export type MatmulKernel = {
  /**
   * C = A·B mod p on matrix files: `a` is an m×k file (layout rows), `b` a k×n file (layout
   * columns, B stored transposed); returns the m×n result file (layout rows). The files' contents
   * must already be checked (decodeMatrix / the provider's input check): elements < p, zero padding.
   * Memory grows to the largest product and stays that size.
   */
  multiply(parameters: { a: Uint8Array; b: Uint8Array; m: number; k: number; n: number; rows?: { start: number; end: number } | undefined }): Uint8Array;
};

type MatmulExports = {
  memory: WebAssembly.Memory;
  matmul(a: number, b: number, c: number, m: number, n: number, kb: number, cs: number): void;
};

const PAGE = 65536;
const PANEL_BYTES = 256 * 1024;

/**
 * The WebAssembly SIMD matrix-product kernel over GF(2^31 − 1) (see renderMatmulWat.ts): about
 * 20–40× a straightforward JavaScript triple loop (`npm run bench:compute`).
 *
 * @throws {ComputeError} `WasmUnavailable` when the platform cannot compile it (no SIMD, CSP).
 * @example
 * const kernel = await loadMatmulKernel()
 * const c = kernel.multiply({ a: fileA, b: fileB, m, k, n })
 */
export async function loadMatmulKernel(): Promise<MatmulKernel> {
  let wasm: MatmulExports;
  try {
    const binary = Uint8Array.from(atob(matmulWasmBase64), (ch) => ch.charCodeAt(0));
    const { instance } = await WebAssembly.instantiate(binary);
    wasm = instance.exports as unknown as MatmulExports;
  } catch (error) {
    throw new ComputeError("WasmUnavailable", "WebAssembly SIMD is not available here", { cause: error });
  }
  return {
    multiply({ a, b, m, k, n, rows }) {
      const ga = matrixGeometry({ rows: m, cols: k, layout: "rows" });
      const gb = matrixGeometry({ rows: k, cols: n, layout: "columns" });
      const gc = matrixGeometry({ rows: m, cols: n, layout: "rows" });
      if (a.length !== ga.size || b.length !== gb.size) {
        throw new ComputeError("InvalidMatrixFile", `inputs must be ${ga.size} and ${gb.size} bytes for ${m}×${k}·${k}×${n}`);
      }
      const start = rows?.start ?? 0;
      const end = rows?.end ?? m;
      const kb = ga.stride * 4;
      const aBytes = (end - start) * kb;
      const bBytes = n * kb;
      const cBytes = (end - start) * gc.stride * 4;
      const needed = aBytes + bBytes + cBytes;
      if (needed > wasm.memory.buffer.byteLength) wasm.memory.grow(Math.ceil((needed - wasm.memory.buffer.byteLength) / PAGE));
      const memory = new Uint8Array(wasm.memory.buffer);
      memory.set(a.subarray(start * kb, end * kb), 0);
      memory.set(b.subarray(0, bBytes), aBytes);
      memory.fill(0, aBytes + bBytes, needed);
      // Panels of A rows that stay in L2 (~256 KiB) while every 4-column block of B streams past.
      const cs = gc.stride * 4;
      const panel = Math.max(4, Math.floor(PANEL_BYTES / kb));
      for (let r = 0; r < end - start; r += panel) {
        wasm.matmul(r * kb, aBytes, aBytes + bBytes + r * cs, Math.min(panel, end - start - r), n, kb, cs);
      }
      if (rows !== undefined) return memory.slice(aBytes + bBytes, needed);
      const out = new Uint8Array(gc.size);
      out.set(memory.subarray(aBytes + bBytes, needed), 0);
      out.set(matrixTrailer({ rows: m, cols: n, layout: "rows" }), gc.size - MATRIX_TRAILER_SIZE);
      return out;
    },
  };
}
