// `pekanu matrix …`: convert matrices between CSV / NumPy .npy and the PKMX file format, multiply
// locally, check a provider's result (Freivalds) and build the one-item fraud proof for an entry.
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { type MatrixLayout, KERNEL } from "../compute/constants.ts";
import { buildItemProof } from "../compute/buildItemProof.ts";
import { decodeMatrix } from "../compute/decodeMatrix.ts";
import { encodeMatrix } from "../compute/encodeMatrix.ts";
import { freivaldsCheck } from "../compute/freivaldsCheck.ts";
import { freivaldsErrorLog2 } from "../compute/freivaldsErrorLog2.ts";
import { locateWrongEntry } from "../compute/locateWrongEntry.ts";
import { matrixFromCsv } from "../compute/matrixFromCsv.ts";
import { matrixFromNpy } from "../compute/matrixFromNpy.ts";
import { matrixToCsv } from "../compute/matrixToCsv.ts";
import { matrixToNpy } from "../compute/matrixToNpy.ts";
import { runJob } from "../compute/runJob.ts";
import { loadMatmulKernel } from "../compute/wasm/loadMatmulKernel.ts";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { nodeSha256 } from "./nodeSha256.ts";

export const MATRIX_USAGE = `Usage:
  pekanu matrix from-csv IN.csv OUT [--columns]   CSV (integers, taken mod p) to a matrix file
  pekanu matrix from-npy IN.npy OUT [--columns]   NumPy .npy (int dtypes) to a matrix file
  pekanu matrix to-csv FILE [OUT.csv]             matrix file to CSV (stdout without OUT)
  pekanu matrix to-npy FILE OUT.npy               matrix file to .npy (int64)
  pekanu matrix info FILE [--json]                shape, layout, file root and size
  pekanu matrix multiply A B OUT [--json]         C = A·B mod p locally (WebAssembly SIMD)
  pekanu matrix verify A B C [--json]             Freivalds' check of C = A·B; names a wrong entry
  pekanu matrix prove A B C I J [--json]          the one-item fraud proof of C[I][J] (proveFraud's ItemProof)

Elements live in GF(p), p = 2^31 − 1. A right operand (B) is stored by columns (--columns, "B
transposed") so a column is proven with few chunks; multiply/verify/prove accept B in either
layout and use its columns.`;

/** A bad command line (exit status 2). */
export class MatrixUsageError extends Error {}

type Print = (object: unknown, lines: string[]) => void;

async function readMatrix(path: string) {
  return decodeMatrix(new Uint8Array(await readFile(path)));
}

/** B's file with layout "columns" (re-encoded if it was stored by rows). */
async function columnsFile(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  const { matrix, layout } = decodeMatrix(bytes);
  return layout === "columns" ? bytes : encodeMatrix({ matrix, layout: "columns" });
}

async function rowsFile(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  const { matrix, layout } = decodeMatrix(bytes);
  return layout === "rows" ? bytes : encodeMatrix({ matrix, layout: "rows" });
}

const root = (bytes: Uint8Array) => fileRootOf(bytes, { sha256: nodeSha256 });

/** Runs `pekanu matrix ARGS…`; writes to `out`. Throws MatrixUsageError for a bad command line. */
export async function runMatrixCommand({ argv, out }: { argv: string[]; out: (text: string) => void }): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" }, columns: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (error) {
    throw new MatrixUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub, ...args] = positionals;
  const print: Print = (object, lines) => out(values.json ? `${JSON.stringify(object, null, 2)}\n` : `${lines.join("\n")}\n`);
  const need = (count: number, names: string) => {
    if (args.length < count) throw new MatrixUsageError(`matrix ${sub}: missing ${names.split(" ").slice(args.length).join(" ")}`);
    if (args.length > count && !(sub === "to-csv" && args.length === 2)) throw new MatrixUsageError(`matrix ${sub}: unexpected argument '${args[count]}'`);
  };
  if (values.help || sub === undefined) {
    out(`${MATRIX_USAGE}\n`);
    if (sub === undefined && !values.help) throw new MatrixUsageError("matrix: missing subcommand");
    return;
  }
  const layout: MatrixLayout = values.columns ? "columns" : "rows";
  switch (sub) {
    case "from-csv":
    case "from-npy": {
      need(2, "IN OUT");
      const matrix = sub === "from-csv" ? matrixFromCsv(await readFile(args[0]!, "utf8")) : matrixFromNpy(new Uint8Array(await readFile(args[0]!)));
      const bytes = encodeMatrix({ matrix, layout });
      await writeFile(args[1]!, bytes);
      print({ file: args[1], rows: matrix.rows, cols: matrix.cols, layout, root: root(bytes), size: bytes.length }, [
        `wrote   ${args[1]}`,
        `shape   ${matrix.rows}×${matrix.cols} (${layout})`,
        `root    ${root(bytes)}`,
        `size    ${bytes.length}`,
      ]);
      return;
    }
    case "to-csv": {
      if (args.length < 1) throw new MatrixUsageError("matrix to-csv: missing FILE");
      if (args.length > 2) throw new MatrixUsageError(`matrix to-csv: unexpected argument '${args[2]}'`);
      const csv = matrixToCsv((await readMatrix(args[0]!)).matrix);
      if (args[1] === undefined) out(csv);
      else await writeFile(args[1], csv);
      return;
    }
    case "to-npy": {
      need(2, "FILE OUT");
      await writeFile(args[1]!, matrixToNpy((await readMatrix(args[0]!)).matrix));
      return;
    }
    case "info": {
      need(1, "FILE");
      const bytes = new Uint8Array(await readFile(args[0]!));
      const { matrix, layout: stored } = decodeMatrix(bytes);
      print({ file: args[0], rows: matrix.rows, cols: matrix.cols, layout: stored, root: root(bytes), size: bytes.length }, [
        `shape   ${matrix.rows}×${matrix.cols} (${stored})`,
        `root    ${root(bytes)}`,
        `size    ${bytes.length}`,
      ]);
      return;
    }
    case "multiply": {
      need(3, "A B OUT");
      const a = await rowsFile(args[0]!);
      const b = await columnsFile(args[1]!);
      const [A, B] = [decodeMatrix(a).matrix, decodeMatrix(b).matrix];
      if (A.cols !== B.rows) throw new MatrixUsageError(`matrix multiply: cannot multiply ${A.rows}×${A.cols} by ${B.rows}×${B.cols}`);
      const t0 = performance.now();
      const c = runJob({ kernel: KERNEL.matmul, m: A.rows, k: A.cols, n: B.cols, a, b, matmul: await loadMatmulKernel() });
      const seconds = (performance.now() - t0) / 1000;
      await writeFile(args[2]!, c);
      print({ file: args[2], rows: A.rows, cols: B.cols, root: root(c), size: c.length, inputA: root(a), inputB: root(b), seconds }, [
        `wrote   ${args[2]}`,
        `shape   ${A.rows}×${B.cols}`,
        `root    ${root(c)}`,
        `size    ${c.length}`,
        `inputs  A ${root(a)} (rows), B ${root(b)} (columns)`,
        `time    ${seconds.toFixed(3)} s`,
      ]);
      return;
    }
    case "verify": {
      need(3, "A B C");
      const [A, B, C] = [(await readMatrix(args[0]!)).matrix, (await readMatrix(args[1]!)).matrix, (await readMatrix(args[2]!)).matrix];
      const ok = freivaldsCheck({ a: A, b: B, c: C, rounds: 2 });
      const wrong = ok ? undefined : locateWrongEntry({ a: A, b: B, c: C });
      const bound = `error probability below 2^${Math.floor(freivaldsErrorLog2(2))}`;
      print({ verified: ok, errorLog2: freivaldsErrorLog2(2), wrongEntry: wrong ?? null }, ok
        ? [`verified (Freivalds, 2 rounds; ${bound})`]
        : [`WRONG: C[${wrong?.i}][${wrong?.j}] is ${wrong?.found}, should be ${wrong?.expected}`, `prove it: pekanu matrix prove ${args.join(" ")} ${wrong?.i} ${wrong?.j}`]);
      if (!ok) process.exitCode = 3;
      return;
    }
    case "prove": {
      need(5, "A B C I J");
      const [i, j] = [args[3]!, args[4]!].map((s) => {
        if (!/^\d+$/.test(s)) throw new MatrixUsageError(`matrix prove: I and J must be non-negative integers, got '${s}'`);
        return Number(s);
      });
      const a = await rowsFile(args[0]!);
      const b = await columnsFile(args[1]!);
      const result = new Uint8Array(await readFile(args[2]!));
      const [A, B, C] = [decodeMatrix(a).matrix, decodeMatrix(b).matrix, decodeMatrix(result).matrix];
      if (i! >= C.rows || j! >= C.cols) throw new MatrixUsageError(`matrix prove: entry (${i}, ${j}) is outside ${C.rows}×${C.cols}`);
      const proof = buildItemProof({ kernel: KERNEL.matmul, m: A.rows, k: A.cols, n: B.cols, a, b, result, i: i!, j: j!, sha256: nodeSha256 });
      print({ inputA: root(a), inputB: root(b), resultRoot: root(result), item: proof }, [
        `entry   C[${i}][${j}] = ${C.data[i! * C.cols + j!]}`,
        `roots   A ${root(a)}, B ${root(b)}, C ${root(result)}`,
        `pieces  row ${i} of A (${(proof.aData.length - 2) / 2} B, ${proof.aProof.length} hashes), column ${j} of B (${(proof.bData.length - 2) / 2} B, ${proof.bProof.length} hashes), chunk of C (${(proof.cData.length - 2) / 2} B, ${proof.cProof.length} hashes)`,
        "use --json for the ItemProof to pass to proveFraud",
      ]);
      return;
    }
    default:
      throw new MatrixUsageError(`matrix: unknown subcommand '${sub}'`);
  }
}
