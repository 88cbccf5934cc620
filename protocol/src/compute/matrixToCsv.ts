import type { Matrix } from "./types.ts";

/** CSV text of `matrix`: one line per row, comma-separated, a final newline. */
export function matrixToCsv(matrix: Matrix): string {
  const out: string[] = [];
  for (let r = 0; r < matrix.rows; r++) out.push(Array.from(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols)).join(","));
  return `${out.join("\n")}\n`;
}
