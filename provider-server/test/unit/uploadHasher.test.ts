import { randomBytes } from "node:crypto";
import { createMerkleBuilder, nodeSha256 } from "@pekanu/protocol/node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createUploadHasher } from "../../src/orders/createUploadHasher.ts";

/** Feeds `bytes` in pieces of the given sizes (cycled) to both builders. */
function both(bytes: Uint8Array, pieces: number[]) {
  const sizes = pieces.some((p) => p > 0) ? pieces : [...pieces, 1000];
  const fast = createUploadHasher();
  const reference = createMerkleBuilder({ sha256: nodeSha256 });
  for (let i = 0, offset = 0; offset < bytes.length; i++) {
    const piece = bytes.subarray(offset, offset + sizes[i % sizes.length]!);
    // Both a Buffer and a plain Uint8Array view, as the upload path may see either.
    fast.update(i % 2 === 0 ? Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength) : piece);
    reference.update(piece);
    offset += piece.length;
  }
  return { fast: fast.digest(), reference: reference.digest() };
}

describe("upload hasher", () => {
  const edges = [0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 3 * 1024, 5 * 1024 + 7, 64 * 1024, 64 * 1024 + 1, 129 * 1024 - 1];

  it.each(edges)("equals the protocol's file commitment for %i bytes", (size) => {
    const bytes = new Uint8Array(randomBytes(size));
    const { fast, reference } = both(bytes, [size || 1]);
    expect(fast).toEqual(reference);
  });

  it("equals it for random sizes and random piece sizes, with running digests", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 * 1024 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(0, 1, 1023, 1024, 1025)), { maxLength: 6 }),
        (size, pieces) => {
          const bytes = new Uint8Array(randomBytes(size));
          const { fast, reference } = both(bytes, pieces);
          expect(fast).toEqual(reference);
        },
      ),
      { numRuns: 200 },
    );
    const fast = createUploadHasher();
    const reference = createMerkleBuilder({ sha256: nodeSha256 });
    for (let i = 0; i < 20; i++) {
      const piece = new Uint8Array(randomBytes(777 * i));
      fast.update(piece);
      reference.update(piece);
      expect(fast.digest()).toEqual(reference.digest());
      expect(fast.size).toBe(reference.size);
    }
  });

  it("resumes from a snapshot at any point to the same commitment (a resumed upload)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 * 1024 }), fc.nat(), (size, cutSeed) => {
        const bytes = new Uint8Array(randomBytes(size));
        const cut = size === 0 ? 0 : cutSeed % (size + 1);
        const first = createUploadHasher();
        first.update(bytes.subarray(0, cut));
        const state = first.snapshot();
        const resumed = createUploadHasher({ state });
        expect(resumed.size).toBe(cut);
        resumed.update(bytes.subarray(cut));
        const reference = createMerkleBuilder({ sha256: nodeSha256 });
        reference.update(bytes);
        expect(resumed.digest()).toEqual(reference.digest());
        expect(state.length).toBeLessThan(2000);
      }),
      { numRuns: 150 },
    );
  });

  it("refuses a snapshot that is not one", () => {
    expect(() => createUploadHasher({ state: JSON.stringify({ v: 2, size: 0, count: 0, pending: "", partial: "" }) })).toThrow(/not an upload hasher snapshot/);
    expect(() => createUploadHasher({ state: JSON.stringify({ v: 1, size: 2048, count: 2, pending: "", partial: "" }) })).toThrow(/inconsistent/);
  });
});
