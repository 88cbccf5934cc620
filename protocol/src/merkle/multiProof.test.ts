import { describe, expect, it } from "vitest";
import { decodeAuditBatch, AuditBatchFormatError } from "../decodeAuditBatch.ts";
import { encodeAuditBatch } from "../encodeAuditBatch.ts";
import { nodeSha256 } from "../node/nodeSha256.ts";
import { chunkCount } from "./chunkCount.ts";
import { fileRootOf } from "./fileRootOf.ts";
import { inclusionProof } from "./inclusionProof.ts";
import { MerkleError } from "./MerkleError.ts";
import { merkleTreeHash } from "./merkleTreeHash.ts";
import { multiProofRanges } from "./multiProofRanges.ts";
import { rootFromMultiProof } from "./rootFromMultiProof.ts";
import { splitChunks } from "./splitChunks.ts";
import { verifyMultiProof } from "./verifyMultiProof.ts";

function fileOf(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return bytes;
}

function proveInMemory(chunks: Uint8Array[], indices: number[]) {
  return multiProofRanges({ indices, treeSize: chunks.length }).map(([start, count]) => merkleTreeHash({ leaves: chunks.slice(start, start + count), sha256: nodeSha256 }));
}

describe("multi-chunk proofs (multiProofRanges / rootFromMultiProof / verifyMultiProof)", () => {
  it("verify every subset drawn from trees of 1..70 chunks, and a lone index is exactly its audit path", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let n = 1; n <= 70; n++) {
      const size = n * 1024 - (n % 3) * 100;
      const file = fileOf(size, n);
      const chunks = splitChunks(file);
      expect(chunks.length).toBe(chunkCount(size));
      const root = fileRootOf(file, { sha256: nodeSha256 });
      for (let trial = 0; trial < 6; trial++) {
        const k = 1 + Math.floor(random() * Math.min(n, 6));
        const set = new Set<number>();
        while (set.size < k) set.add(Math.floor(random() * n));
        const indices = [...set].sort((a, b) => a - b);
        const proof = proveInMemory(chunks, indices);
        expect(verifyMultiProof({ root, indices, chunks: indices.map((i) => chunks[i]!), treeSize: n, proof, sha256: nodeSha256 })).toBe(true);
        // A wrong byte in any chunk, or any proof hash, fails.
        const bad = indices.map((i) => new Uint8Array(chunks[i]!));
        bad[trial % k]![0]! ^= 1;
        expect(verifyMultiProof({ root, indices, chunks: bad, treeSize: n, proof })).toBe(false);
        if (proof.length > 0) {
          const wrong = [...proof];
          wrong[0] = `0x${"00".repeat(32)}`;
          expect(verifyMultiProof({ root, indices, chunks: indices.map((i) => chunks[i]!), treeSize: n, proof: wrong })).toBe(false);
        }
      }
      const index = n - 1;
      expect(proveInMemory(chunks, [index])).toEqual(inclusionProof({ chunks, index, sha256: nodeSha256 }).reverse());
    }
  });

  it("shares the siblings the paths have in common: 4 chunks of 16384 need fewer than 4 × 14 hashes", () => {
    const ranges = multiProofRanges({ indices: [5, 4000, 9000, 16000], treeSize: 16384 });
    expect(ranges.length).toBeLessThan(4 * 14);
    expect(multiProofRanges({ indices: [0, 1], treeSize: 4 })).toEqual([[2, 2]]);
  });

  it("rejects bad input: unsorted or repeated indices, out of range, no index, a proof of the wrong length", () => {
    expect(() => multiProofRanges({ indices: [3, 2], treeSize: 8 })).toThrow(MerkleError);
    expect(() => multiProofRanges({ indices: [2, 2], treeSize: 8 })).toThrow(/strictly increasing/);
    expect(() => multiProofRanges({ indices: [8], treeSize: 8 })).toThrow(/out of range/);
    expect(() => multiProofRanges({ indices: [], treeSize: 8 })).toThrow(MerkleError);
    const chunks = splitChunks(fileOf(8 * 1024, 1));
    const proof = proveInMemory(chunks, [1, 6]);
    expect(() => rootFromMultiProof({ indices: [1, 6], chunks: [chunks[1]!, chunks[6]!], treeSize: 8, proof: proof.slice(1) })).toThrow(/proof has/);
    expect(() => rootFromMultiProof({ indices: [1, 6], chunks: [chunks[1]!, chunks[6]!], treeSize: 8, proof: [...proof, proof[0]!] })).toThrow(/proof has/);
  });
});

describe("audit batch wire format (encodeAuditBatch / decodeAuditBatch)", () => {
  const size = 5 * 1024 + 17;
  const file = fileOf(size, 9);
  const chunks = splitChunks(file);
  const indices = [1, 5];
  const proof = proveInMemory(chunks, indices);
  const bytes = encodeAuditBatch({ size, indices, chunks: indices.map((i) => chunks[i]!), proof });

  it("round-trips: 16 + 8n header, chunks at their lengths, 32 bytes per hash", () => {
    expect(bytes.length).toBe(16 + 16 + 1024 + 17 + 32 * proof.length);
    const decoded = decodeAuditBatch(bytes);
    expect(decoded.size).toBe(size);
    expect(decoded.indices).toEqual(indices);
    expect(decoded.chunks.map((c) => c.length)).toEqual([1024, 17]);
    expect(verifyMultiProof({ root: fileRootOf(file), indices, chunks: decoded.chunks, treeSize: chunkCount(size), proof: decoded.proof })).toBe(true);
  });

  it("refuses a wrong magic, a truncated or padded body, an index outside the file", () => {
    const magic = new Uint8Array(bytes);
    magic[0] = 0x41;
    expect(() => decodeAuditBatch(magic)).toThrow(AuditBatchFormatError);
    expect(() => decodeAuditBatch(bytes.subarray(0, bytes.length - 1))).toThrow(/expected/);
    expect(() => decodeAuditBatch(new Uint8Array([...bytes, 0]))).toThrow(/expected/);
    expect(() => decodeAuditBatch(bytes.subarray(0, 10))).toThrow(AuditBatchFormatError);
    const outside = new Uint8Array(bytes);
    new DataView(outside.buffer).setBigUint64(24, 6n);
    expect(() => decodeAuditBatch(outside)).toThrow(/outside 6 chunks/);
  });
});
