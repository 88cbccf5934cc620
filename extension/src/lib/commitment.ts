// Ownership proofs and audit checks in the browser, over a Blob/File: protocol's Merkle code,
// never a second implementation. (The commitment itself is ./commitBlob.ts.)
import { chunkCount, proveChunk, verifyInclusion, CHUNK_SIZE } from "@pekanu/protocol/merkle";

export type OwnershipProofItem = { index: number; chunk: string; proof: `0x${string}`[] };

/** Chunks and inclusion proofs for the provider's ownership challenge (deduplicated file). */
export async function proveOwnership(
  blob: Blob,
  indices: readonly number[],
  { expectedRoot, onProgress }: { expectedRoot?: string; onProgress?: (done: number, total: number) => void } = {},
): Promise<OwnershipProofItem[]> {
  const size = blob.size;
  const readChunks = async ({ index, count }: { index: number; count: number }) =>
    new Uint8Array(await blob.slice(index * CHUNK_SIZE, Math.min(size, (index + count) * CHUNK_SIZE)).arrayBuffer());
  const items: OwnershipProofItem[] = [];
  let done = 0;
  for (const index of indices) {
    const result = await proveChunk({
      size,
      index,
      readChunk: (i) => readChunks({ index: i, count: 1 }),
      readChunks,
      batchChunks: 4096,
    });
    if (expectedRoot && result.root.toLowerCase() !== expectedRoot.toLowerCase()) {
      throw new Error("This file does not match the committed root.");
    }
    items.push({ index, chunk: bytesToBase64(result.chunk), proof: result.proof });
    onProgress?.(++done, indices.length);
  }
  return items;
}

/** Checks an audit answer (chunk + proof) against the root and size the receipt commits to. */
export function verifyAuditAnswer({
  fileRoot,
  size,
  index,
  chunkBase64,
  proof,
}: {
  fileRoot: string;
  size: number;
  index: number;
  chunkBase64: string;
  proof: readonly `0x${string}`[];
}): boolean {
  let chunk: Uint8Array;
  try {
    chunk = base64ToBytes(chunkBase64);
  } catch {
    return false;
  }
  return verifyInclusion({ root: fileRoot as `0x${string}`, index, treeSize: chunkCount(size), proof, chunk });
}

export function randomChunkIndex(size: number, random: () => number = Math.random): number {
  return Math.floor(random() * chunkCount(size));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export { chunkCount };
