import { FIELD_PRIME, matrixGeometry } from "@pekanu/protocol/compute";

/**
 * TEST ONLY (--test-flip-result): changes one entry of an m×n result file in place to a wrong
 * field element, at a deterministic but non-trivial position (neither first nor last when the
 * matrix allows it). Returns the position.
 */
export function flipResultEntry({ result, m, n }: { result: Uint8Array; m: number; n: number }): { i: number; j: number } {
  const g = matrixGeometry({ rows: m, cols: n, layout: "rows" });
  const i = Math.floor((m * 5) / 7) % m;
  const j = Math.floor((n * 3) / 5) % n;
  const view = new DataView(result.buffer, result.byteOffset, result.byteLength);
  const offset = (i * g.stride + j) * 4;
  view.setUint32(offset, (view.getUint32(offset, true) + 1) % FIELD_PRIME, true);
  return { i, j };
}
