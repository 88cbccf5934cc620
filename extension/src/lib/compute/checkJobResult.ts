// Checks a job's result on the three files (runs in the compute worker): the bytes are the ones
// the roots commit to, then Freivalds' check (WebAssembly SIMD where available); when it fails,
// the first wrong entry is located and its one-entry fraud proof built.
import {
  buildItemProof,
  decodeMatrix,
  freivaldsCheckFiles,
  freivaldsErrorLog2,
  loadFreivaldsVerifier,
  locateWrongEntry,
  type FreivaldsVerifier,
  type ItemProof,
} from "@pekanu/protocol/compute";
import { commitBlob } from "../commitBlob.ts";

/** Freivalds' rounds: a wrong result passes with probability ≤ p^−2 < 2^−61.9. */
export const FREIVALDS_ROUNDS = 2;

export type CheckJobResultParameters = {
  kernel: number;
  m: number;
  k: number;
  n: number;
  a: Uint8Array;
  b: Uint8Array;
  c: Uint8Array;
  roots: { a: string; b: string; c: string };
};

/** `ms`: the whole check, the root checks included; `freivaldsMs`: Freivalds' check alone. */
export type CheckJobResultAnswer =
  | { kind: "verified"; errorLog2: number; ms: number; freivaldsMs: number }
  | { kind: "wrong"; errorLog2: number; ms: number; freivaldsMs: number; wrong: { i: number; j: number; expected: number; found: number }; proof: ItemProof }
  /** The downloaded bytes are not the committed file: nothing can be concluded or proven from them. */
  | { kind: "mismatch"; which: "a" | "b" | "c"; ms: number };

let verifier: Promise<FreivaldsVerifier | null> | null = null;

export async function checkJobResult({ kernel, m, k, n, a, b, c, roots }: CheckJobResultParameters): Promise<CheckJobResultAnswer> {
  const started = performance.now();
  // The file roots with the SIMD WebAssembly SHA-256 of the store flow (TypeScript where unavailable).
  for (const [which, bytes] of [["a", a], ["b", b], ["c", c]] as const) {
    const { root } = await commitBlob(new Blob([bytes as BlobPart]));
    if (root.toLowerCase() !== roots[which].toLowerCase()) return { kind: "mismatch", which, ms: performance.now() - started };
  }
  verifier ??= loadFreivaldsVerifier().catch(() => null);
  const wasm = await verifier;
  const checkStarted = performance.now();
  const outcome = wasm ? wasm.check({ a, b, c, rounds: FREIVALDS_ROUNDS }) : freivaldsCheckFiles({ a, b, c, rounds: FREIVALDS_ROUNDS });
  const freivaldsMs = performance.now() - checkStarted;
  const errorLog2 = freivaldsErrorLog2(FREIVALDS_ROUNDS);
  if (outcome.verified) return { kind: "verified", errorLog2, ms: performance.now() - started, freivaldsMs };
  // Locate one wrong entry (an element ≥ p in C counts as wrong: the contract refuses it too).
  const [ma, mb] = [decodeMatrix(a).matrix, decodeMatrix(b).matrix];
  let wrong: { i: number; j: number; expected: number; found: number } | undefined;
  try {
    wrong = locateWrongEntry({ a: ma, b: mb, c: decodeMatrix(c).matrix });
  } catch {
    wrong = undefined;
  }
  if (!wrong) {
    // A C element ≥ p in one of the failing rows: find it in the raw words.
    const i = outcome.wrongRows[0] ?? 0;
    const words = new Uint32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.length - 32));
    const stride = words.length / m;
    let j = 0;
    while (j < n - 1 && words[i * stride + j]! < 2147483647) j++;
    wrong = { i, j, expected: 0, found: words[i * stride + j]! };
  }
  const proof = buildItemProof({ kernel, m, k, n, a, b, result: c, i: wrong.i, j: wrong.j });
  return { kind: "wrong", errorLog2, ms: performance.now() - started, freivaldsMs, wrong, proof };
}
