import { describe, expect, it } from "vitest";
import { nodeSha256 } from "../node/nodeSha256.ts";
import { chunkCount } from "./chunkCount.ts";
import { chunkLength } from "./chunkLength.ts";
import { CHUNK_SIZE } from "./constants.ts";
import { inclusionProof } from "./inclusionProof.ts";
import { leafHash } from "./leafHash.ts";
import { MerkleError, type MerkleErrorCode } from "./MerkleError.ts";
import { nodeHash } from "./nodeHash.ts";
import { proveChunk } from "./proveChunk.ts";
import { rootFromInclusion } from "./rootFromInclusion.ts";
import { splitChunks } from "./splitChunks.ts";
import { randomFile, refChunks, refLeaf, refNode, refPath, refRoot, refShape, toHex } from "./test/reference.ts";
import type { Hex } from "./types.ts";
import { verifyInclusion } from "./verifyInclusion.ts";

function expectMerkleError(fn: () => unknown, code: MerkleErrorCode) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MerkleError);
    expect((error as MerkleError).code).toBe(code);
    return;
  }
  expect.fail(`expected MerkleError ${code}`);
}

async function expectMerkleRejection(promise: Promise<unknown>, code: MerkleErrorCode) {
  await expect(promise).rejects.toBeInstanceOf(MerkleError);
  await expect(promise).rejects.toMatchObject({ code });
}

const flipHex = (h: Hex, byte = 0): Hex => {
  const b = Buffer.from(h.slice(2), "hex");
  b[byte]! ^= 0x01;
  return `0x${b.toString("hex")}`;
};

/** A file of `n` chunks with random content and a random last-chunk length. */
function randomTree(n: number) {
  const size = n === 1 ? Math.floor(Math.random() * (CHUNK_SIZE + 1)) : (n - 1) * CHUNK_SIZE + 1 + Math.floor(Math.random() * CHUNK_SIZE);
  const bytes = randomFile(size);
  const chunks = splitChunks(bytes);
  const hashes = refChunks(bytes).map(refLeaf);
  return { size, bytes, chunks, hashes, root: toHex(refRoot(hashes)) };
}

describe("chunkCount / chunkLength / splitChunks", () => {
  it("counts chunks: ⌈size/1024⌉, an empty file is one chunk", () => {
    expect([0, 1, 1023, 1024, 1025, 2048, 2049].map(chunkCount)).toEqual([1, 1, 1, 1, 2, 2, 3]);
    expect(chunkCount(2 ** 50)).toBe(2 ** 40);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expectMerkleError(() => chunkCount(bad), "InvalidSize");
  });

  it("gives each chunk's length as the contract requires", () => {
    expect(chunkLength({ size: 0, index: 0 })).toBe(0);
    expect(chunkLength({ size: 1025, index: 0 })).toBe(1024);
    expect(chunkLength({ size: 1025, index: 1 })).toBe(1);
    expect(chunkLength({ size: 2048, index: 1 })).toBe(1024);
    expectMerkleError(() => chunkLength({ size: 2048, index: 2 }), "ChunkIndexOutOfRange");
    expectMerkleError(() => chunkLength({ size: 2048, index: -1 }), "InvalidIndex");
  });

  it("splits into views, the empty file into one empty chunk", () => {
    expect(splitChunks(new Uint8Array(0)).map((c) => c.length)).toEqual([0]);
    expect(splitChunks(new Uint8Array(2049)).map((c) => c.length)).toEqual([1024, 1024, 1]);
  });
});

describe("leafHash / nodeHash", () => {
  it("apply the RFC 6962 prefixes", () => {
    const data = randomFile(100);
    expect(leafHash(data)).toBe(toHex(refLeaf(data)));
    expect(leafHash(data, { sha256: nodeSha256, to: "bytes" })).toEqual(refLeaf(data));
    const left = refLeaf(Uint8Array.of(1));
    const right = refLeaf(Uint8Array.of(2));
    expect(nodeHash({ left, right })).toBe(toHex(refNode(left, right)));
    expect(nodeHash({ left: toHex(left), right: toHex(right) })).toBe(toHex(refNode(left, right)));
    expectMerkleError(() => nodeHash({ left: left.subarray(1), right }), "InvalidHashLength");
  });
});

describe("inclusion proofs on every index of small trees", () => {
  for (let n = 1; n <= 40; n++) {
    it(`tree of ${n} chunk${n > 1 ? "s" : ""}`, async () => {
      const { size, chunks, hashes, root } = randomTree(n);
      expect(chunkCount(size)).toBe(n);
      for (let index = 0; index < n; index++) {
        const proof = refPath(index, hashes).map(toHex);
        const chunk = chunks[index]!;
        const leaf = toHex(hashes[index]!);

        // Generation: in memory (chunks or leaf hashes, both hashes) and bounded-memory.
        expect(inclusionProof({ chunks, index })).toEqual(proof);
        expect(inclusionProof({ leafHashes: hashes, index, sha256: nodeSha256 })).toEqual(proof);
        expect(inclusionProof({ leafHashes: hashes.map(toHex), index, to: "bytes" }).map(toHex)).toEqual(proof);
        const readChunk = (i: number) => chunks[i]!;
        const readChunks = ({ index: i, count }: { index: number; count: number }) => {
          const bytes = new Uint8Array(chunks.slice(i, i + count).reduce((s, c) => s + c.length, 0));
          chunks.slice(i, i + count).reduce((o, c) => (bytes.set(c, o), o + c.length), 0);
          return Promise.resolve(bytes);
        };
        const expected = { chunk: new Uint8Array(chunk), proof, root };
        expect(await proveChunk({ size, index, readChunk })).toEqual(expected);
        expect(await proveChunk({ size, index, readChunk, readChunks, batchChunks: 3, sha256: nodeSha256 })).toEqual(expected);

        // Verification.
        const ok = { root, chunk, index, treeSize: n, proof };
        expect(verifyInclusion(ok)).toBe(true);
        expect(verifyInclusion({ root, leafHash: leaf, index, treeSize: n, proof, sha256: nodeSha256 })).toBe(true);
        expect(rootFromInclusion({ chunk, index, treeSize: n, proof })).toBe(root);
        expect(rootFromInclusion({ leafHash: leaf, index, treeSize: n, proof, to: "bytes" })).toEqual(new Uint8Array(Buffer.from(root.slice(2), "hex")));

        // Tampering.
        const flipped = new Uint8Array(chunk);
        if (flipped.length > 0) {
          flipped[Math.floor(Math.random() * flipped.length)]! ^= 0x80;
          expect(verifyInclusion({ ...ok, chunk: flipped })).toBe(false);
        }
        expect(verifyInclusion({ ...ok, root: flipHex(root, 31) })).toBe(false);
        expect(verifyInclusion({ root, leafHash: flipHex(leaf, 5), index, treeSize: n, proof })).toBe(false);
        for (let other = 0; other < n; other++) {
          if (other !== index) expect(verifyInclusion({ root, leafHash: leaf, index: other, treeSize: n, proof })).toBe(false);
        }
        expect(verifyInclusion({ ...ok, index: n })).toBe(false);
        // A wrong tree size only verifies when it gives the same path shape (RFC 9162 binds the
        // position relative to treeSize; the contract derives treeSize from the committed size).
        for (let other = index + 1; other <= n + 8; other++) {
          if (other === n) continue;
          const sameShape = JSON.stringify(refShape(index, other)) === JSON.stringify(refShape(index, n));
          expect(verifyInclusion({ root, leafHash: leaf, index, treeSize: other, proof })).toBe(sameShape);
        }
        for (let i = 0; i < proof.length; i++) {
          const changed = proof.map((p, j) => (j === i ? flipHex(p, i % 32) : p));
          expect(verifyInclusion({ ...ok, proof: changed })).toBe(false);
        }
        if (proof.length > 0) {
          expect(verifyInclusion({ ...ok, proof: proof.slice(0, -1) })).toBe(false);
          expect(verifyInclusion({ ...ok, proof: proof.slice(1) })).toBe(false);
          expectMerkleError(() => rootFromInclusion({ chunk, index, treeSize: n, proof: proof.slice(0, -1) }), "ProofLengthMismatch");
        }
        expect(verifyInclusion({ ...ok, proof: [...proof, root] })).toBe(false);
        expect(verifyInclusion({ ...ok, proof: [...proof, leaf] })).toBe(false);
        expectMerkleError(() => rootFromInclusion({ chunk, index, treeSize: n, proof: [...proof, leaf] }), "ProofLengthMismatch");
      }
    });
  }

  it("agrees on a 5000-chunk tree (random indices) and with the reference", async () => {
    const { size, chunks, hashes, root } = randomTree(5000);
    for (const index of [0, 1, 4095, 4096, 4999, ...Array.from({ length: 10 }, () => Math.floor(Math.random() * 5000))]) {
      const proof = refPath(index, hashes).map(toHex);
      const proved = await proveChunk({ size, index, readChunk: (i) => chunks[i]!, sha256: nodeSha256 });
      expect(proved.proof).toEqual(proof);
      expect(proved.root).toBe(root);
      expect(inclusionProof({ leafHashes: hashes, index, sha256: nodeSha256 })).toEqual(proof);
      expect(verifyInclusion({ root, chunk: chunks[index]!, index, treeSize: 5000, proof, sha256: nodeSha256 })).toBe(true);
    }
  });

  it("reads each chunk at most once, in file order", async () => {
    const { size, chunks } = randomTree(37);
    for (const index of [0, 5, 18, 36]) {
      const reads: number[] = [];
      await proveChunk({ size, index, readChunk: (i) => (reads.push(i), chunks[i]!) });
      expect(reads).toEqual(Array.from({ length: 37 }, (_, i) => i));
    }
  });
});

describe("inclusion errors", () => {
  const { size, chunks, hashes, root } = randomTree(5);
  const proof = refPath(2, hashes).map(toHex);

  it("rootFromInclusion throws typed errors", () => {
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!, index: 5, treeSize: 5, proof }), "ChunkIndexOutOfRange");
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!, index: -1, treeSize: 5, proof }), "InvalidIndex");
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!, index: 1.5, treeSize: 5, proof }), "InvalidIndex");
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!, index: 0, treeSize: 0, proof }), "InvalidTreeSize");
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!.subarray(1), index: 2, treeSize: 5, proof }), "InvalidChunkLength");
    expectMerkleError(() => rootFromInclusion({ chunk: new Uint8Array(1025), index: 4, treeSize: 5, proof }), "InvalidChunkLength");
    expectMerkleError(() => rootFromInclusion({ chunk: new Uint8Array(0), index: 4, treeSize: 5, proof }), "InvalidChunkLength");
    expectMerkleError(() => rootFromInclusion({ leafHash: "0x1234", index: 2, treeSize: 5, proof }), "InvalidHashLength");
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!, index: 2, treeSize: 5, proof: ["0xzz"] }), "InvalidHex");
    // Over-long input is rejected before any element is parsed.
    expectMerkleError(() => rootFromInclusion({ chunk: chunks[2]!, index: 2, treeSize: 5, proof: new Array(10_000).fill("0xzz") }), "ProofLengthMismatch");
  });

  it("verifyInclusion is false (never throws) on malformed input", () => {
    expect(verifyInclusion({ root, chunk: chunks[2]!, index: 2, treeSize: 5, proof })).toBe(true);
    expect(verifyInclusion({ root: "0x00", chunk: chunks[2]!, index: 2, treeSize: 5, proof })).toBe(false);
    expect(verifyInclusion({ root, chunk: chunks[2]!, index: 2, treeSize: 5, proof: [...proof.slice(0, -1), "0x1234"] })).toBe(false);
    expect(verifyInclusion({ root, chunk: chunks[2]!, index: 2, treeSize: -3, proof })).toBe(false);
  });

  it("inclusionProof and proveChunk validate their input", async () => {
    expectMerkleError(() => inclusionProof({ chunks: [], index: 0 }), "EmptyTree");
    expectMerkleError(() => inclusionProof({ chunks, index: 5 }), "ChunkIndexOutOfRange");
    expectMerkleError(() => inclusionProof({ chunks: [chunks[0]!.subarray(1), chunks[1]!], index: 0 }), "InvalidChunkLength");
    await expectMerkleRejection(proveChunk({ size, index: 5, readChunk: (i) => chunks[i]! }), "ChunkIndexOutOfRange");
    // A reader that returns the wrong length (e.g. the file changed on disk).
    await expectMerkleRejection(proveChunk({ size, index: 0, readChunk: (i) => chunks[i]!.subarray(1) }), "InvalidChunkLength");
    await expectMerkleRejection(
      proveChunk({ size, index: 0, readChunk: (i) => chunks[i]!, readChunks: () => new Uint8Array(10) }),
      "InvalidChunkLength",
    );
  });

  it("proves the one empty chunk of an empty file", async () => {
    const empty = new Uint8Array(0);
    const proved = await proveChunk({ size: 0, index: 0, readChunk: () => empty });
    expect(proved).toEqual({ chunk: empty, proof: [], root: leafHash(empty) });
    expect(verifyInclusion({ root: proved.root, chunk: empty, index: 0, treeSize: 1, proof: [] })).toBe(true);
  });
});
