// The compute module against independent references: BigInt arithmetic for the field, the RFC 6962
// reference for piece proofs, and a hand-written .npy for NumPy's format.
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { nodeSha256 } from "../node/nodeSha256.ts";
import {
  ComputeError,
  FIELD_PRIME,
  KERNEL,
  buildItemProof,
  decodeMatrix,
  encodeMatrix,
  evaluatePolynomial,
  freivaldsCheck,
  freivaldsErrorLog2,
  jobGeometry,
  lineChunks,
  loadMatmulKernel,
  locateWrongEntry,
  matrixFromCsv,
  matrixFromNpy,
  matrixGeometry,
  matrixToCsv,
  matrixToNpy,
  mulmod,
  multiplyMatrices,
  runJob,
  toFieldElement,
  verifyPiece,
  type Matrix,
} from "./index.ts";
import { hexToBytes } from "../merkle/hexToBytes.ts";
import { renderMatmulWasmSource } from "./wasm/renderMatmulWasmSource.ts";

const P = 2147483647n;
const kernel = await loadMatmulKernel();

function random(rows: number, cols: number, max = FIELD_PRIME): Matrix {
  return { rows, cols, data: Uint32Array.from({ length: rows * cols }, () => Math.floor(Math.random() * max)) };
}

/** C = A·B mod p with BigInt: the independent reference. */
function bigProduct(a: Matrix, b: Matrix): Matrix {
  const data = new Uint32Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      let s = 0n;
      for (let t = 0; t < a.cols; t++) s += BigInt(a.data[i * a.cols + t]!) * BigInt(b.data[t * b.cols + j]!);
      data[i * b.cols + j] = Number(s % P);
    }
  return { rows: a.rows, cols: b.cols, data };
}

describe("field arithmetic", () => {
  it("mulmod equals BigInt a·b mod p, including the extremes", () => {
    const edge = [0, 1, 2, 65535, 65536, FIELD_PRIME - 2, FIELD_PRIME - 1];
    for (const a of edge) for (const b of edge) expect(BigInt(mulmod(a, b))).toBe((BigInt(a) * BigInt(b)) % P);
    fc.assert(fc.property(fc.integer({ min: 0, max: FIELD_PRIME - 1 }), fc.integer({ min: 0, max: FIELD_PRIME - 1 }), (a, b) => BigInt(mulmod(a, b)) === (BigInt(a) * BigInt(b)) % P), { numRuns: 2000 });
  });

  it("toFieldElement takes integers mod p, negatives too", () => {
    expect(toFieldElement(-1)).toBe(FIELD_PRIME - 1);
    expect(toFieldElement(FIELD_PRIME)).toBe(0);
    expect(toFieldElement(2n ** 64n)).toBe(Number(2n ** 64n % P));
    expect(() => toFieldElement(1.5)).toThrow(ComputeError);
  });
});

describe("PKMX matrix files", () => {
  it("lines are power-of-two chunks, the trailer follows them", () => {
    expect([1, 256, 257, 1024, 1025, 1500].map(lineChunks)).toEqual([1, 1, 2, 4, 8, 8]);
    const g = matrixGeometry({ rows: 3, cols: 1024, layout: "rows" });
    expect(g).toMatchObject({ lines: 3, lineChunks: 4, stride: 1024, size: 3 * 4096 + 32, chunks: 13 });
    expect(matrixGeometry({ rows: 3, cols: 1024, layout: "columns" })).toMatchObject({ lines: 1024, lineChunks: 1, size: 1024 * 1024 + 32 });
  });

  it("encode/decode round-trips in both layouts, and columns store Bᵀ", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 600 }), fc.constantFrom("rows", "columns" as const), (rows, cols, layout) => {
        const m = random(rows, cols);
        const bytes = encodeMatrix({ matrix: m, layout });
        const back = decodeMatrix(bytes);
        expect(back.layout).toBe(layout);
        expect(back.matrix).toEqual(m);
        const g = matrixGeometry({ rows, cols, layout });
        const view = new DataView(bytes.buffer);
        // element (r, c) sits in line r (rows) or line c (columns)
        const [r, c] = [rows - 1, cols - 1];
        const at = layout === "rows" ? r * g.stride + c : c * g.stride + r;
        expect(view.getUint32(4 * at, true)).toBe(m.data[r * cols + c]);
      }),
      { numRuns: 30 },
    );
  });

  it("refuses bad files with InvalidMatrixFile: size, magic, padding, element ≥ p", () => {
    const good = encodeMatrix({ matrix: random(2, 3) });
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ComputeError).code + ": " + (e as Error).message;
      }
      return "ok";
    };
    expect(code(() => decodeMatrix(good.subarray(0, good.length - 1)))).toMatch(/^InvalidMatrixFile/);
    const magic = good.slice();
    magic[good.length - 32] = 0;
    expect(code(() => decodeMatrix(magic))).toBe("InvalidMatrixFile: not a matrix file: no PKMX trailer");
    const padding = good.slice();
    padding[3 * 4] = 1;
    expect(code(() => decodeMatrix(padding))).toBe("InvalidMatrixFile: padding of line 0 is not zero");
    const big = good.slice();
    new DataView(big.buffer).setUint32(0, FIELD_PRIME, true);
    expect(code(() => decodeMatrix(big))).toBe("InvalidMatrixFile: element 0 of line 0 is 2147483647, not below p");
    expect(code(() => encodeMatrix({ matrix: { rows: 1, cols: 1, data: Uint32Array.of(FIELD_PRIME) } }))).toMatch(/^InvalidElement/);
    expect(code(() => decodeMatrix(new Uint8Array(10)))).toBe("InvalidMatrixFile: not a matrix file: too short");
  });

  it("CSV round-trips; negatives and big integers are taken mod p; ragged rows are refused", () => {
    const m = matrixFromCsv("1, 2,3\n-1,4294967296,0\n\n");
    expect(m.rows).toBe(2);
    expect(Array.from(m.data)).toEqual([1, 2, 3, FIELD_PRIME - 1, Number(4294967296n % P), 0]);
    expect(matrixFromCsv(matrixToCsv(m))).toEqual(m);
    expect(() => matrixFromCsv("1,2\n3")).toThrow("CSV row 2 has 1 values, row 1 has 2");
    expect(() => matrixFromCsv("1,x")).toThrow("CSV row 1, column 2: 'x' is not an integer");
    expect(() => matrixFromCsv("\n")).toThrow("CSV has no rows");
  });

  it(".npy round-trips and reads NumPy's int dtypes, byte orders and Fortran order", () => {
    const m = random(3, 5);
    expect(matrixFromNpy(matrixToNpy(m))).toEqual(m);
    // A hand-built NumPy file: dtype >i2, Fortran order, shape (2, 2): [[1, -2], [3, 4]].
    const header = "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }";
    const padded = header.padEnd(128 - 10 - 1, " ") + "\n";
    const bytes = new Uint8Array(128 + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]);
    bytes.set(new TextEncoder().encode(padded), 10);
    const view = new DataView(bytes.buffer);
    [1, 3, -2, 4].forEach((v, i) => view.setInt16(128 + 2 * i, v, false)); // column-major
    expect(Array.from(matrixFromNpy(bytes).data)).toEqual([1, FIELD_PRIME - 2, 3, 4]);
    expect(() => matrixFromNpy(new Uint8Array(20))).toThrow("not a .npy file");
    const float = matrixToNpy(m);
    float.set(new TextEncoder().encode("'descr': '<f8'"), 11);
    expect(() => matrixFromNpy(float)).toThrow(/unsupported .npy dtype/);
  });
});

describe("kernels", () => {
  it("the committed WebAssembly binary is what renderMatmulWat compiles to", async () => {
    const committed = await readFile(new URL("./wasm/matmulWasmBinary.ts", import.meta.url), "utf8");
    expect(committed).toBe(await renderMatmulWasmSource());
  });

  it("the SIMD matmul kernel, the TypeScript reference and BigInt agree on random shapes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 11 }), (m, k, n) => {
        const a = random(m, k);
        const b = random(k, n);
        const want = bigProduct(a, b);
        expect(multiplyMatrices({ a, b })).toEqual(want);
        const c = kernel.multiply({ a: encodeMatrix({ matrix: a }), b: encodeMatrix({ matrix: b, layout: "columns" }), m, k, n });
        expect(decodeMatrix(c).matrix).toEqual(want);
      }),
      { numRuns: 40 },
    );
  });

  it("the kernel is exact at the worst case: every element p − 1, k = 8192", () => {
    const [m, k, n] = [2, 8192, 5];
    const a = { rows: m, cols: k, data: new Uint32Array(m * k).fill(FIELD_PRIME - 1) };
    const b = { rows: k, cols: n, data: new Uint32Array(k * n).fill(FIELD_PRIME - 1) };
    const c = decodeMatrix(kernel.multiply({ a: encodeMatrix({ matrix: a }), b: encodeMatrix({ matrix: b, layout: "columns" }), m, k, n })).matrix;
    expect(c.data[0]).toBe(Number((BigInt(k) * (P - 1n) ** 2n) % P));
  });

  it("polyEval is Horner's rule: matches BigInt evaluation", () => {
    const coefficients = random(1, 300).data;
    const points = Uint32Array.of(0, 1, FIELD_PRIME - 1, 12345);
    const y = evaluatePolynomial({ coefficients, points });
    points.forEach((x, j) => {
      let s = 0n;
      for (let t = coefficients.length - 1; t >= 0; t--) s = (s * BigInt(x) + BigInt(coefficients[t]!)) % P;
      expect(BigInt(y[j]!)).toBe(s);
    });
  });

  it("runJob checks input shapes and layouts", () => {
    const a = encodeMatrix({ matrix: random(2, 3) });
    const b = encodeMatrix({ matrix: random(3, 4), layout: "columns" });
    expect(decodeMatrix(runJob({ kernel: KERNEL.matmul, m: 2, k: 3, n: 4, a, b, matmul: kernel })).matrix.cols).toBe(4);
    expect(() => runJob({ kernel: KERNEL.matmul, m: 2, k: 3, n: 4, a, b: encodeMatrix({ matrix: random(3, 4) }) })).toThrow(
      "input B is 3×4 (rows), the job needs 3×4 (columns)",
    );
    expect(() => runJob({ kernel: 9, m: 2, k: 3, n: 4, a, b })).toThrow("unknown kernel id 9");
  });
});

describe("Freivalds and locating a wrong entry", () => {
  it("accepts A·B, rejects one flipped entry, and locates it", () => {
    const a = random(20, 30);
    const b = random(30, 25);
    const c = multiplyMatrices({ a, b });
    expect(freivaldsCheck({ a, b, c })).toBe(true);
    expect(locateWrongEntry({ a, b, c })).toBeUndefined();
    const wrong = { ...c, data: c.data.slice() };
    wrong.data[7 * 25 + 11] = (wrong.data[7 * 25 + 11]! + 1) % FIELD_PRIME;
    expect(freivaldsCheck({ a, b, c: wrong })).toBe(false);
    expect(locateWrongEntry({ a, b, c: wrong })).toMatchObject({ i: 7, j: 11, found: wrong.data[7 * 25 + 11] });
  });

  it("two rounds bound the error below 2^-60", () => {
    expect(freivaldsErrorLog2(2)).toBeLessThan(-60);
  });
});

describe("one-item proofs", () => {
  it("every piece verifies against its file root; a piece from the wrong place does not", () => {
    for (const [m, k, n] of [[3, 5, 4], [2, 600, 3], [5, 256, 9]] as const) {
      const A = random(m, k);
      const B = random(k, n);
      const a = encodeMatrix({ matrix: A });
      const b = encodeMatrix({ matrix: B, layout: "columns" });
      const result = encodeMatrix({ matrix: multiplyMatrices({ a: A, b: B }) });
      const roots = [a, b, result].map((f) => fileRootOf(f, { sha256: nodeSha256 }));
      const g = jobGeometry({ kernel: KERNEL.matmul, m, k, n });
      const proof = buildItemProof({ kernel: KERNEL.matmul, m, k, n, a, b, result, i: m - 1, j: n - 1, sha256: nodeSha256 });
      const pieces = g.pieces(m - 1, n - 1);
      expect(verifyPiece({ root: roots[0]!, piece: pieces.a, data: hexToBytes(proof.aData), proof: proof.aProof })).toBe(true);
      expect(verifyPiece({ root: roots[1]!, piece: pieces.b, data: hexToBytes(proof.bData), proof: proof.bProof })).toBe(true);
      expect(verifyPiece({ root: roots[2]!, piece: pieces.result, data: hexToBytes(proof.cData), proof: proof.cProof })).toBe(true);
      // row m−1's data claimed as row 0, or proven against B's root: refused
      expect(verifyPiece({ root: roots[0]!, piece: { ...pieces.a, index: 0 }, data: hexToBytes(proof.aData), proof: proof.aProof })).toBe(false); // m > 1 in every case here
      expect(verifyPiece({ root: roots[1]!, piece: pieces.a, data: hexToBytes(proof.aData), proof: proof.aProof })).toBe(false);
    }
  });
});

describe("freivaldsCheckFiles (on the files, no decoding)", () => {
  it("verifies A·B with B by columns or by rows, names the wrong row, refuses an element ≥ p", async () => {
    const { freivaldsCheckFiles } = await import("./freivaldsCheckFiles.ts");
    const A = random(9, 300);
    const B = random(300, 7);
    const C = multiplyMatrices({ a: A, b: B });
    const a = encodeMatrix({ matrix: A });
    const c = encodeMatrix({ matrix: C });
    for (const layout of ["columns", "rows"] as const) {
      expect(freivaldsCheckFiles({ a, b: encodeMatrix({ matrix: B, layout }), c })).toEqual({ verified: true, wrongRows: [] });
    }
    const wrong = { ...C, data: C.data.slice() };
    wrong.data[4 * 7 + 6] = (wrong.data[4 * 7 + 6]! + 1) % FIELD_PRIME;
    expect(freivaldsCheckFiles({ a, b: encodeMatrix({ matrix: B, layout: "columns" }), c: encodeMatrix({ matrix: wrong }) })).toEqual({ verified: false, wrongRows: [4] });
    const notCanonical = c.slice();
    const view = new DataView(notCanonical.buffer);
    view.setUint32(3 * 4, view.getUint32(3 * 4, true) + FIELD_PRIME, true); // C[0][3] + p: same residue
    expect(freivaldsCheckFiles({ a, b: encodeMatrix({ matrix: B }), c: notCanonical }).verified).toBe(false);
    expect(() => freivaldsCheckFiles({ a, b: a, c })).toThrow(ComputeError);
  });
});

describe("loadFreivaldsVerifier (WebAssembly)", () => {
  it("gives freivaldsCheckFiles' answer with the same random vectors, on random shapes and wrong entries", async () => {
    const { loadFreivaldsVerifier } = await import("./wasm/loadFreivaldsVerifier.ts");
    const { freivaldsCheckFiles } = await import("./freivaldsCheckFiles.ts");
    const verifier = await loadFreivaldsVerifier();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), fc.constantFrom("rows", "columns" as const), fc.nat(), (m, k, n, flip, layout, seed) => {
        const A = random(m, k);
        const B = random(k, n);
        const C = multiplyMatrices({ a: A, b: B });
        if (flip) C.data[seed % C.data.length] = (C.data[seed % C.data.length]! + 1 + (seed % 1000)) % FIELD_PRIME;
        const files = { a: encodeMatrix({ matrix: A }), b: encodeMatrix({ matrix: B, layout }), c: encodeMatrix({ matrix: C }) };
        const values = Array.from({ length: 2 * n }, () => Math.floor(Math.random() * FIELD_PRIME));
        const source = () => { let i = 0; return () => values[i++ % values.length]!; };
        const wasmAnswer = verifier.check({ ...files, randomElement: source() });
        expect(wasmAnswer).toEqual(freivaldsCheckFiles({ ...files, randomElement: source() }));
        expect(wasmAnswer.verified).toBe(!flip);
        if (flip) expect(wasmAnswer.wrongRows).toEqual([Math.floor((seed % C.data.length) / n)]);
      }),
      { numRuns: 40 },
    );
  });
});
