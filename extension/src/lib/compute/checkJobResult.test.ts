import { encodeMatrix, jobGeometry, KERNEL, multiplyMatrices, verifyPiece, type Matrix } from "@pekanu/protocol/compute";
import { fileRootOf, hexToBytes } from "@pekanu/protocol/merkle";
import { describe, expect, it } from "vitest";
import { checkJobResult } from "./checkJobResult.ts";

const random = (rows: number, cols: number): Matrix => ({ rows, cols, data: Uint32Array.from({ length: rows * cols }, () => Math.floor(Math.random() * 2147483647)) });

function job(m: number, k: number, n: number) {
  const [ma, mb] = [random(m, k), random(k, n)];
  const a = encodeMatrix({ matrix: ma });
  const b = encodeMatrix({ matrix: mb, layout: "columns" });
  const product = multiplyMatrices({ a: ma, b: mb });
  return { ma, mb, a, b, product, m, k, n };
}

describe("checkJobResult", () => {
  it("verifies a right product and states the bound 2^-61.9", async () => {
    const { a, b, product, m, k, n } = job(8, 5, 7);
    const c = encodeMatrix({ matrix: product });
    const answer = await checkJobResult({ kernel: KERNEL.matmul, m, k, n, a, b, c, roots: { a: fileRootOf(a), b: fileRootOf(b), c: fileRootOf(c) } });
    expect(answer.kind).toBe("verified");
    if (answer.kind === "verified") expect(answer.errorLog2).toBeLessThan(-60);
  });

  it("finds the one flipped entry and builds a proof whose pieces verify against the three roots", async () => {
    const { a, b, product, m, k, n } = job(8, 300, 6);
    const flipped = { ...product, data: product.data.slice() };
    flipped.data[5 * 6 + 4] = (flipped.data[5 * 6 + 4]! + 1) % 2147483647;
    const c = encodeMatrix({ matrix: flipped });
    const roots = { a: fileRootOf(a), b: fileRootOf(b), c: fileRootOf(c) };
    const answer = await checkJobResult({ kernel: KERNEL.matmul, m, k, n, a, b, c, roots });
    expect(answer.kind).toBe("wrong");
    if (answer.kind !== "wrong") return;
    expect(answer.wrong).toEqual({ i: 5, j: 4, expected: product.data[5 * 6 + 4], found: flipped.data[5 * 6 + 4] });
    const pieces = jobGeometry({ kernel: KERNEL.matmul, m, k, n }).pieces(5, 4);
    const p = answer.proof;
    expect(verifyPiece({ root: roots.a, piece: pieces.a, data: hexToBytes(p.aData), proof: p.aProof })).toBe(true);
    expect(verifyPiece({ root: roots.b, piece: pieces.b, data: hexToBytes(p.bData), proof: p.bProof })).toBe(true);
    expect(verifyPiece({ root: roots.c, piece: pieces.result, data: hexToBytes(p.cData), proof: p.cProof })).toBe(true);
  });

  it("concludes nothing from bytes that are not the committed files", async () => {
    const { a, b, product, m, k, n } = job(4, 4, 4);
    const c = encodeMatrix({ matrix: product });
    const roots = { a: fileRootOf(a), b: fileRootOf(b), c: fileRootOf(c) };
    const tampered = c.slice();
    tampered[0] ^= 1;
    expect(await checkJobResult({ kernel: KERNEL.matmul, m, k, n, a, b, c: tampered, roots })).toMatchObject({ kind: "mismatch", which: "c" });
  });
});
