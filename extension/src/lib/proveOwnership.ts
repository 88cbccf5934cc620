import { foldSubtreeRoots } from "@pekanu/protocol/merkle";
import { hashSegments, proveFromSegments, readBlobSegment, SEGMENT_SIZE, type SegmentHelper } from "./commitBlob.ts";
import { bytesToBase64 } from "./commitment.ts";

export type OwnershipProofItem = { index: number; chunk: string; proof: `0x${string}`[] };

/**
 * Chunks and inclusion proofs for the provider's ownership challenge (deduplicated file): one pass
 * over the file for its segment roots (shared with `helpers` like a commitment), then each
 * challenged chunk's segment again. Refuses a file whose root is not `expectedRoot`.
 */
export async function proveOwnership(
  blob: Blob,
  indices: readonly number[],
  {
    expectedRoot,
    onProgress,
    helpers,
    segmentSize = SEGMENT_SIZE,
    ciphertext,
  }: {
    expectedRoot?: string;
    /** Bytes processed so far and in all: the file once, then one segment per challenged chunk. */
    onProgress?: (done: number, total: number) => void;
    helpers?: readonly SegmentHelper[];
    segmentSize?: number;
    /**
     * For an encrypted file: the stored bytes are the ciphertext of `blob`, of this size, read
     * segment by segment (`readCiphertextRange`); the proofs are of ciphertext chunks.
     */
    ciphertext?: { size: number; readSegment: (index: number) => Promise<Uint8Array> };
  } = {},
): Promise<OwnershipProofItem[]> {
  const size = ciphertext?.size ?? blob.size;
  const readSegment = ciphertext?.readSegment ?? ((index: number) => readBlobSegment(blob, index, segmentSize));
  const perProof = Math.min(size, segmentSize);
  const total = size + indices.length * perProof;
  const { roots } = await hashSegments({ size, readSegment, segmentSize, helpers, onProgress: ({ bytes }) => onProgress?.(bytes, total) });
  if (expectedRoot && foldSubtreeRoots({ roots }).toLowerCase() !== expectedRoot.toLowerCase()) {
    throw new Error("This file does not match the committed root.");
  }
  const { items } = await proveFromSegments({ size, roots, indices, readSegment, segmentSize, onProof: (done) => onProgress?.(size + done * perProof, total) });
  return items.map(({ index, chunk, proof }) => ({ index, chunk: bytesToBase64(chunk), proof }));
}

