// Audit checks and encodings shared by the background and the pages: protocol's Merkle code, never
// a second implementation. (Hashing files lives in ./commitBlob.ts and ./proveOwnership.ts, which
// bundle the WebAssembly hasher; the background must not.)
import { chunkCount, verifyInclusion } from "@pekanu/protocol/merkle";

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
