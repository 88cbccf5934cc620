import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeSha256 } from "../node/nodeSha256.ts";
import { chunkCount } from "./chunkCount.ts";
import { CHUNK_SIZE } from "./constants.ts";
import { createMerkleBuilder } from "./createMerkleBuilder.ts";
import { fileRootOf } from "./fileRootOf.ts";
import { merkleTreeHash } from "./merkleTreeHash.ts";
import { splitChunks } from "./splitChunks.ts";
import { randomFile, refFileRoot, toHex } from "./test/reference.ts";

/** Feeds `bytes` to a builder in pieces of the given sizes (cycled), including empty pieces. */
function buildInPieces(bytes: Uint8Array, sizes: number[], sha256 = nodeSha256) {
  const pieceSizes = sizes.some((s) => s > 0) ? sizes : [...sizes, 1000]; // always make progress
  const builder = createMerkleBuilder({ sha256 });
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const piece = pieceSizes[i % pieceSizes.length]!;
    builder.update(bytes.subarray(offset, offset + piece));
    offset += piece;
  }
  return builder.digest();
}

// Sizes around chunk boundaries and around power-of-two chunk counts.
const edgeSizes = [0, 1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 3071, 3072, 3073];
for (const chunks of [3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257]) {
  edgeSizes.push(chunks * CHUNK_SIZE - 1, chunks * CHUNK_SIZE, chunks * CHUNK_SIZE + 1);
}

describe("createMerkleBuilder", () => {
  it.each(edgeSizes)("equals the RFC 6962 reference for %i bytes (one update, both hashes)", (size) => {
    const bytes = randomFile(size);
    const expected = { root: toHex(refFileRoot(bytes)), size, chunks: chunkCount(size) };
    expect(createMerkleBuilder({ sha256: nodeSha256 }).update(bytes).digest()).toEqual(expected);
    expect(createMerkleBuilder().update(bytes).digest()).toEqual(expected);
    expect(fileRootOf(bytes)).toBe(expected.root);
    expect(merkleTreeHash({ leaves: splitChunks(bytes) })).toBe(expected.root);
  });

  it("equals the in-memory MTH for random sizes and random update piece sizes", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: 0, max: 4 * CHUNK_SIZE }), fc.integer({ min: 0, max: 300 * CHUNK_SIZE })),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 3 * CHUNK_SIZE }), fc.constantFrom(0, 1, 1023, 1024, 1025)), {
          maxLength: 8,
        }),
        (size, pieces) => {
          const bytes = randomFile(size);
          const expected = merkleTreeHash({ leaves: splitChunks(bytes), sha256: nodeSha256 });
          expect(expected).toBe(toHex(refFileRoot(bytes)));
          expect(buildInPieces(bytes, pieces)).toEqual({ root: expected, size, chunks: chunkCount(size) });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives the same root with the pure TS sha256 for random pieces", () => {
    for (let run = 0; run < 20; run++) {
      const bytes = randomFile(Math.floor(Math.random() * 40 * CHUNK_SIZE));
      const pieces = Array.from({ length: 5 }, () => Math.floor(Math.random() * 3000));
      expect(buildInPieces(bytes, pieces, undefined)).toEqual(buildInPieces(bytes, pieces, nodeSha256));
    }
  });

  it("digest does not finalize: a running root, then more updates", () => {
    const bytes = randomFile(10 * CHUNK_SIZE + 300);
    const builder = createMerkleBuilder({ sha256: nodeSha256 });
    for (let offset = 0; offset < bytes.length; offset += 700) {
      builder.update(bytes.subarray(offset, offset + 700));
      const end = Math.min(offset + 700, bytes.length);
      expect(builder.digest().root).toBe(toHex(refFileRoot(bytes.subarray(0, end))));
      expect(builder.digest()).toEqual(builder.digest());
      expect(builder.size).toBe(end);
    }
  });

  it("an empty file (and empty updates) is one empty chunk: SHA-256(0x00)", () => {
    const digest = createMerkleBuilder().update(new Uint8Array(0)).update(new Uint8Array(0)).digest();
    expect(digest).toEqual({
      root: "0x6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      size: 0,
      chunks: 1,
    });
  });

  it("returns bytes with to: 'bytes'", () => {
    const bytes = randomFile(5000);
    const { root } = createMerkleBuilder({ sha256: nodeSha256 }).update(bytes).digest({ to: "bytes" });
    expect(root).toBeInstanceOf(Uint8Array);
    expect(toHex(root)).toBe(fileRootOf(bytes));
    expect(fileRootOf(bytes, { to: "bytes" })).toEqual(root);
  });
});
