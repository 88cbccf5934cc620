// Spawns `pekanu matrix …` (protocol/bin/pekanu.js) on real files in a temp dir.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { FIELD_PRIME, KERNEL } from "../compute/constants.ts";
import { decodeMatrix } from "../compute/decodeMatrix.ts";
import { encodeMatrix } from "../compute/encodeMatrix.ts";
import { jobGeometry } from "../compute/jobGeometry.ts";
import { matrixFromNpy } from "../compute/matrixFromNpy.ts";
import { matrixToNpy } from "../compute/matrixToNpy.ts";
import { multiplyMatrices } from "../compute/multiplyMatrices.ts";
import { verifyPiece } from "../compute/verifyPiece.ts";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { hexToBytes } from "../merkle/hexToBytes.ts";

const bin = fileURLToPath(new URL("../../bin/pekanu.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pekanu-matrix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

function pekanu(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, "matrix", ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const A = { rows: 3, cols: 4, data: Uint32Array.from({ length: 12 }, (_, i) => (i * 7919 + 13) % FIELD_PRIME) };
const B = { rows: 4, cols: 2, data: Uint32Array.from({ length: 8 }, (_, i) => FIELD_PRIME - 1 - i) };
const csv = (m: typeof A) => Array.from({ length: m.rows }, (_, r) => Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols)).join(",")).join("\n") + "\n";

// Each case spawns several Node processes: generous time on a loaded machine.
describe("pekanu matrix", { timeout: 240_000 }, () => {
  it("from-csv / to-csv round-trip, --columns stores B transposed, info reports the root", () => {
    writeFileSync(at("a.csv"), csv(A));
    const r = pekanu("from-csv", at("a.csv"), at("a.pkmx"), "--json");
    expect(r.status).toBe(0);
    const bytes = new Uint8Array(readFileSync(at("a.pkmx")));
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 3, cols: 4, layout: "rows", root: fileRootOf(bytes), size: bytes.length });
    expect(pekanu("to-csv", at("a.pkmx")).stdout).toBe(csv(A));
    writeFileSync(at("b.csv"), csv(B).replace(`${FIELD_PRIME - 1}`, "-1")); // −1 is p − 1
    expect(pekanu("from-csv", at("b.csv"), at("b.pkmx"), "--columns").status).toBe(0);
    expect(decodeMatrix(new Uint8Array(readFileSync(at("b.pkmx"))))).toEqual({ matrix: B, layout: "columns" });
    expect(pekanu("info", at("b.pkmx")).stdout).toContain("shape   4×2 (columns)");
  });

  it("from-npy / to-npy round-trip", () => {
    writeFileSync(at("a.npy"), matrixToNpy(A));
    expect(pekanu("from-npy", at("a.npy"), at("a2.pkmx")).status).toBe(0);
    expect(pekanu("to-npy", at("a2.pkmx"), at("a2.npy")).status).toBe(0);
    expect(matrixFromNpy(new Uint8Array(readFileSync(at("a2.npy"))))).toEqual(A);
  });

  it("multiply writes A·B mod p; verify says verified, or names the wrong entry (exit 3)", () => {
    writeFileSync(at("a.pkmx"), encodeMatrix({ matrix: A }));
    writeFileSync(at("b-rows.pkmx"), encodeMatrix({ matrix: B })); // B by rows is accepted too
    const r = pekanu("multiply", at("a.pkmx"), at("b-rows.pkmx"), at("c.pkmx"), "--json");
    expect(r.status).toBe(0);
    const c = new Uint8Array(readFileSync(at("c.pkmx")));
    expect(decodeMatrix(c).matrix).toEqual(multiplyMatrices({ a: A, b: B }));
    expect(JSON.parse(r.stdout).root).toBe(fileRootOf(c));
    expect(pekanu("verify", at("a.pkmx"), at("b-rows.pkmx"), at("c.pkmx")).stdout).toBe("verified (Freivalds, 2 rounds; error probability below 2^-62)\n");
    const wrong = decodeMatrix(c).matrix;
    wrong.data[2 * 2 + 1] = (wrong.data[2 * 2 + 1]! + 5) % FIELD_PRIME;
    writeFileSync(at("bad.pkmx"), encodeMatrix({ matrix: wrong }));
    const v = pekanu("verify", at("a.pkmx"), at("b-rows.pkmx"), at("bad.pkmx"), "--json");
    expect(v.status).toBe(3);
    expect(JSON.parse(v.stdout).wrongEntry).toMatchObject({ i: 2, j: 1, found: wrong.data[5] });
  });

  it("prove --json gives an ItemProof whose pieces verify against the three roots", () => {
    writeFileSync(at("b.pkmx"), encodeMatrix({ matrix: B, layout: "columns" }));
    const r = pekanu("prove", at("a.pkmx"), at("b.pkmx"), at("bad.pkmx"), "2", "1", "--json");
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const pieces = jobGeometry({ kernel: KERNEL.matmul, m: 3, k: 4, n: 2 }).pieces(2, 1);
    expect(out.item).toMatchObject({ i: 2, j: 1 });
    expect(verifyPiece({ root: out.inputA, piece: pieces.a, data: hexToBytes(out.item.aData), proof: out.item.aProof })).toBe(true);
    expect(verifyPiece({ root: out.inputB, piece: pieces.b, data: hexToBytes(out.item.bData), proof: out.item.bProof })).toBe(true);
    expect(verifyPiece({ root: out.resultRoot, piece: pieces.result, data: hexToBytes(out.item.cData), proof: out.item.cProof })).toBe(true);
  });

  it("bad input: exit 1 with the reason; bad command line: exit 2", () => {
    writeFileSync(at("ragged.csv"), "1,2\n3\n");
    expect(pekanu("from-csv", at("ragged.csv"), at("x.pkmx"))).toMatchObject({ status: 1, stderr: "pekanu: InvalidInput: CSV row 2 has 1 values, row 1 has 2\n" });
    writeFileSync(at("junk.pkmx"), "not a matrix at all, just some text bytes");
    expect(pekanu("info", at("junk.pkmx"))).toMatchObject({ status: 1, stderr: "pekanu: InvalidMatrixFile: not a matrix file: no PKMX trailer\n" });
    expect(pekanu("multiply", at("a.pkmx"), at("a.pkmx"), at("x.pkmx")).stderr).toContain("cannot multiply 3×4 by 3×4");
    expect(pekanu("prove", at("a.pkmx"), at("b.pkmx"), at("c.pkmx"), "9", "0").stderr).toContain("entry (9, 0) is outside 3×2");
    expect(pekanu("frobnicate").status).toBe(2);
    expect(pekanu("to-npy", at("a.pkmx")).stderr).toContain("matrix to-npy: missing OUT");
    expect(pekanu("--help").stdout).toContain("pekanu matrix multiply A B OUT");
  });
});
