import { CHUNK_SIZE } from "../merkle/constants.ts";
import { createSubtreeStack, createTreeHasher } from "../merkle/internal.ts";
import type { HashLike, Sha256 } from "../merkle/types.ts";
import { verifyInclusion } from "../merkle/verifyInclusion.ts";
import type { PieceLocation } from "./jobGeometry.ts";

/**
 * Whether `data` (whole chunks, `unitChunks` of them) is the piece at `piece.index` of the file
 * with root `root`, by `proof`: the check the contract makes, in TypeScript.
 */
export function verifyPiece({ root, piece, data, proof, sha256 }: {
  root: HashLike;
  piece: PieceLocation;
  data: Uint8Array;
  proof: readonly HashLike[];
  sha256?: Sha256 | undefined;
}): boolean {
  if (data.length !== piece.unitChunks * CHUNK_SIZE) return false;
  const hasher = createTreeHasher(sha256);
  const stack = createSubtreeStack(hasher);
  for (let o = 0; o < data.length; o += CHUNK_SIZE) stack.push(hasher.leaf(data, o, CHUNK_SIZE));
  return verifyInclusion({ root, leafHash: stack.root(), index: piece.index, treeSize: piece.units, proof, sha256 });
}
