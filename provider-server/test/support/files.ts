import { randomBytes } from "node:crypto";
import { fileRootOf, inclusionProof, nodeSha256, splitChunks } from "@pekanu/protocol/node";
import type { Hex } from "viem";

/** Random test content with its commitment. */
export function testFile(size: number): { bytes: Uint8Array; root: Hex; size: number } {
  const bytes = new Uint8Array(randomBytes(size));
  return { bytes, root: fileRootOf(bytes, { sha256: nodeSha256 }) as Hex, size };
}

/** Splits bytes into a stream of pieces (a chunked upload with no Content-Length). */
export function streamOf(bytes: Uint8Array, pieceSize = 7_000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + pieceSize));
      offset += pieceSize;
    },
  });
}

/** The ownership proof a client holding `bytes` answers for the challenged `indices`. */
export function ownershipProofs(bytes: Uint8Array, indices: readonly number[]): { proofs: { index: number; chunk: string; proof: Hex[] }[] } {
  const chunks = splitChunks(bytes);
  return {
    proofs: indices.map((index) => ({
      index,
      chunk: Buffer.from(chunks[index]!).toString("base64"),
      proof: inclusionProof({ chunks, index, sha256: nodeSha256 }) as Hex[],
    })),
  };
}
