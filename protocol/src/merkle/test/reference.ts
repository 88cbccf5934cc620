// Test-only reference: a direct transcription of RFC 6962 §2.1 (recursive MTH and PATH) over
// node:crypto, independent of the implementation under test.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

export type Vectors = {
  leafInputsHex: string[];
  rootsBySize: Record<string, string>;
  inclusion: { leafIndex: number; treeSize: number; proof: string[] }[];
  files: { size: number; chunks: number; fileRoot: string; sampleProof?: { chunkIndex: number; proof: string[] } }[];
};

/** Copy of /work/shared/vectors/merkle.json (RFC 6962 CT vectors + Pekanu file vectors). */
export const vectors: Vectors = JSON.parse(readFileSync(new URL("./merkle.json", import.meta.url), "utf8"));

export const hex = (s: string) => `0x${s}` as `0x${string}`;
export const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}` as `0x${string}`;

const H = (...parts: Uint8Array[]) => new Uint8Array(createHash("sha256").update(Buffer.concat(parts)).digest());
export const refLeaf = (data: Uint8Array) => H(Uint8Array.of(0), data);
export const refNode = (left: Uint8Array, right: Uint8Array) => H(Uint8Array.of(1), left, right);

const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** MTH over leaf hashes (n ≥ 1). */
export function refRoot(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 1) return hashes[0]!;
  const k = split(hashes.length);
  return refNode(refRoot(hashes.slice(0, k)), refRoot(hashes.slice(k)));
}

/** PATH(m, D[n]) over leaf hashes, leaf level first. */
export function refPath(m: number, hashes: Uint8Array[]): Uint8Array[] {
  if (hashes.length === 1) return [];
  const k = split(hashes.length);
  return m < k
    ? [...refPath(m, hashes.slice(0, k)), refRoot(hashes.slice(k))]
    : [...refPath(m - k, hashes.slice(k)), refRoot(hashes.slice(0, k))];
}

/** For each audit path element of leaf m in a tree of n leaves, whether the sibling is on the left. */
export function refShape(m: number, n: number): boolean[] {
  if (n === 1) return [];
  const k = split(n);
  return m < k ? [...refShape(m, k), false] : [...refShape(m - k, n - k), true];
}

/** The file's chunks (an empty file is one empty chunk). */
export function refChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += 1024) chunks.push(bytes.subarray(o, o + 1024));
  return chunks.length ? chunks : [new Uint8Array(0)];
}

export const refFileRoot = (bytes: Uint8Array) => refRoot(refChunks(bytes).map(refLeaf));

/** File bytes i mod 251, as in the vectors. */
export const patternFile = (size: number) => new Uint8Array(size).map((_, i) => i % 251);

export const randomFile = (size: number) => new Uint8Array(randomBytes(size));
