import type { Hex } from "viem";
import { bytesToHex } from "../merkle/bytesToHex.ts";
import type { Sha256 } from "../merkle/types.ts";
import { ComputeError } from "./ComputeError.ts";
import { jobGeometry } from "./jobGeometry.ts";
import { provePiece } from "./provePiece.ts";

/** A one-item fraud proof as ComputeContract's `proveFraud` takes it (its `ItemProof` struct). */
export type ItemProof = {
  i: number;
  j: number;
  aData: Hex;
  aProof: Hex[];
  bData: Hex;
  bProof: Hex[];
  cData: Hex;
  cProof: Hex[];
};

export type BuildItemProofParameters = {
  kernel: number;
  m: number;
  k: number;
  n: number;
  /** The three files: inputs A and B and the provider's result. */
  a: Uint8Array;
  b: Uint8Array;
  result: Uint8Array;
  /** The output item to prove (matmul: C[i][j]; polyEval: i = 0, y_j). */
  i: number;
  j: number;
  sha256?: Sha256 | undefined;
};

/**
 * The pieces proving output item (i, j) of a job, each with its audit path: the input pieces the
 * kernel needs (matmul: row i of A, column j of B) and the result chunk holding the item.
 *
 * @throws {ComputeError} `IndexOutOfRange`, `InvalidDimensions`, `UnknownKernel`
 */
export function buildItemProof({ kernel, m, k, n, a, b, result, i, j, sha256 }: BuildItemProofParameters): ItemProof {
  const g = jobGeometry({ kernel, m, k, n });
  if (!Number.isSafeInteger(i) || !Number.isSafeInteger(j) || i < 0 || j < 0 || i >= g.m || j >= g.n) {
    throw new ComputeError("IndexOutOfRange", `item (${i}, ${j}) is outside ${g.m}×${g.n}`);
  }
  const pieces = g.pieces(i, j);
  const pa = provePiece({ bytes: a, piece: pieces.a, sha256 });
  const pb = provePiece({ bytes: b, piece: pieces.b, sha256 });
  const pc = provePiece({ bytes: result, piece: pieces.result, sha256 });
  return {
    i,
    j,
    aData: bytesToHex(pa.data),
    aProof: pa.proof,
    bData: bytesToHex(pb.data),
    bProof: pb.proof,
    cData: bytesToHex(pc.data),
    cProof: pc.proof,
  };
}
