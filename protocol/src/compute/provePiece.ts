import { CHUNK_SIZE } from "../merkle/constants.ts";
import { inclusionProof } from "../merkle/inclusionProof.ts";
import { createSubtreeStack, createTreeHasher } from "../merkle/internal.ts";
import type { Hex, Sha256 } from "../merkle/types.ts";
import { ComputeError } from "./ComputeError.ts";
import type { PieceLocation } from "./jobGeometry.ts";

/**
 * A piece of a file held in memory (a whole line, or one chunk) and its proof: the audit path of
 * the piece's subtree root in the file's RFC 6962 tree seen at the piece's level (the tree over
 * ⌈chunks / unitChunks⌉ subtree roots, the last possibly partial). What the contract checks with
 * `MerkleInclusion.rootFromProof(subtreeRoot(piece), index, units, proof)`.
 *
 * @throws {ComputeError} `IndexOutOfRange`
 */
export function provePiece({ bytes, piece, sha256 }: { bytes: Uint8Array; piece: PieceLocation; sha256?: Sha256 | undefined }): {
  data: Uint8Array;
  proof: Hex[];
} {
  const { unitChunks, index, units } = piece;
  const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK_SIZE));
  if (Math.ceil(chunks / unitChunks) !== units || index >= units) {
    throw new ComputeError("IndexOutOfRange", `piece ${index} of ${units} does not fit a file of ${chunks} chunks`);
  }
  const hasher = createTreeHasher(sha256);
  const roots: Uint8Array[] = [];
  for (let u = 0; u < units; u++) {
    const stack = createSubtreeStack(hasher);
    for (let c = u * unitChunks; c < Math.min(chunks, (u + 1) * unitChunks); c++) {
      stack.push(hasher.leaf(bytes, c * CHUNK_SIZE, Math.min(CHUNK_SIZE, bytes.length - c * CHUNK_SIZE)));
    }
    roots.push(stack.root());
  }
  const data = bytes.slice(index * unitChunks * CHUNK_SIZE, Math.min(bytes.length, (index + 1) * unitChunks * CHUNK_SIZE));
  return { data, proof: inclusionProof({ leafHashes: roots, index, sha256 }).map((h) => h as Hex) };
}



