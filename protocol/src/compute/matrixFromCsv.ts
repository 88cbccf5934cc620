import { ComputeError } from "./ComputeError.ts";
import { MAX_MATRIX_DIM } from "./constants.ts";
import { toFieldElement } from "./toFieldElement.ts";
import type { Matrix } from "./types.ts";

/**
 * A matrix from CSV text: one row per line, integers separated by commas (spaces around them
 * allowed), every row the same length; blank lines are ignored. Integers are taken mod p
 * (negative ones too).
 *
 * @throws {ComputeError} `InvalidInput` (ragged rows, empty) or `InvalidElement` (not an integer).
 */
export function matrixFromCsv(text: string): Matrix {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  if (lines.length === 0) throw new ComputeError("InvalidInput", "CSV has no rows");
  if (lines.length > MAX_MATRIX_DIM) throw new ComputeError("InvalidInput", `CSV has more than ${MAX_MATRIX_DIM} rows`);
  const cols = lines[0]!.split(",").length;
  const data = new Uint32Array(lines.length * cols);
  lines.forEach((line, r) => {
    const cells = line.split(",");
    if (cells.length !== cols) throw new ComputeError("InvalidInput", `CSV row ${r + 1} has ${cells.length} values, row 1 has ${cols}`);
    cells.forEach((cell, c) => {
      const s = cell.trim();
      if (!/^[-+]?\d+$/.test(s)) throw new ComputeError("InvalidElement", `CSV row ${r + 1}, column ${c + 1}: '${s}' is not an integer`);
      data[r * cols + c] = toFieldElement(BigInt(s));
    });
  });
  return { rows: lines.length, cols, data };
}
