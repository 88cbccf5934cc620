// The 4-lane WebAssembly hasher must give exactly the roots of the reference: the shared vectors,
// every size around the chunk, lane-group and segment boundaries, and segmented files folded back.
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMerkleBuilder } from "../createMerkleBuilder.ts";
import { foldSubtreeRoots } from "../foldSubtreeRoots.ts";
import { MerkleError } from "../MerkleError.ts";
import { hex, patternFile, refLeaf, refRoot, toHex, vectors } from "../test/reference.ts";
import { loadSubtreeHasher, type SubtreeHasher } from "./loadSubtreeHasher.ts";
import { renderMerkleWasmSource } from "./renderMerkleWasmSource.ts";

const wasm = await loadSubtreeHasher({ engine: "wasm-simd" });
const typescript = await loadSubtreeHasher({ engine: "typescript" });

/** The reference root of `bytes` (RFC 6962 recursion over node:crypto). */
function referenceRoot(bytes: Uint8Array): `0x${string}` {
  const leaves: Uint8Array[] = [];
  for (let o = 0; o < bytes.length || leaves.length === 0; o += 1024) leaves.push(refLeaf(bytes.subarray(o, o + 1024)));
  return toHex(refRoot(leaves));
}

/** Hashes `bytes` as segments of `segmentChunks` chunks, then folds the segment roots. */
function segmented(hasher: SubtreeHasher, bytes: Uint8Array, segmentChunks: number) {
  const step = segmentChunks * 1024;
  const roots: Uint8Array[] = [];
  for (let o = 0; o < bytes.length || roots.length === 0; o += step) roots.push(hasher.subtreeRoot(bytes.subarray(o, o + step)));
  return foldSubtreeRoots({ roots });
}

describe("loadSubtreeHasher", () => {
  it("loads the WebAssembly engine here (Node has SIMD) and the TypeScript one on request", () => {
    expect(wasm.engine).toBe("wasm-simd");
    expect(typescript.engine).toBe("typescript");
  });

  it.each(vectors.files)("reproduces the shared file vector of $size bytes", ({ size, fileRoot }) => {
    const file = patternFile(size);
    expect(toHex(wasm.subtreeRoot(file))).toBe(hex(fileRoot));
    expect(toHex(typescript.subtreeRoot(file))).toBe(hex(fileRoot));
  });

  // Every lane-group remainder (n mod 4), odd levels, and a short or empty last chunk.
  const sizes = [0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 3 * 1024, 4 * 1024 - 1, 4 * 1024, 4 * 1024 + 1, 5 * 1024, 7 * 1024 + 3, 9 * 1024, 17 * 1024 - 1, 33 * 1024 + 512];
  it.each(sizes)("matches the reference for %i random bytes", (size) => {
    const bytes = new Uint8Array(size).map(() => (Math.random() * 256) | 0);
    expect(toHex(wasm.subtreeRoot(bytes))).toBe(referenceRoot(bytes));
  });

  it("keeps working after its memory grows, for a smaller input again", () => {
    const small = patternFile(5000);
    const large = patternFile(9 << 20);
    expect(toHex(wasm.subtreeRoot(large))).toBe(toHex(typescript.subtreeRoot(large)));
    expect(toHex(wasm.subtreeRoot(small))).toBe(hex(vectors.files.find((f) => f.size === 5000)!.fileRoot));
  });

  it("does not change its input", () => {
    const bytes = patternFile(10_000);
    const copy = bytes.slice();
    wasm.subtreeRoot(bytes);
    expect(bytes).toEqual(copy);
  });

  it("gives, segment by segment and folded, the root of the whole file (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70 * 1024 }), fc.constantFrom(1, 2, 4, 8, 16), (size, segmentChunks) => {
        const bytes = patternFile(size);
        const whole = createMerkleBuilder().update(bytes).digest().root;
        expect(segmented(wasm, bytes, segmentChunks)).toBe(whole);
      }),
      { numRuns: 150 },
    );
  });

  it("reproduces the 1 MiB + 7 vector from 4 KiB segments", () => {
    const vector = vectors.files.find((f) => f.size === 1048583)!;
    expect(segmented(wasm, patternFile(vector.size), 4)).toBe(hex(vector.fileRoot));
  });
});

describe("foldSubtreeRoots", () => {
  it("refuses an empty list and a root that is not 32 bytes", () => {
    expect(() => foldSubtreeRoots({ roots: [] })).toThrow(new MerkleError("EmptyTree", "no subtree roots to fold"));
    expect(() => foldSubtreeRoots({ roots: [new Uint8Array(32), new Uint8Array(31)] })).toThrow(
      new MerkleError("InvalidHashLength", "roots[1] must be 32 bytes"),
    );
  });

  it("returns a single root unchanged", () => {
    const root = toHex(refLeaf(Uint8Array.of(7)));
    expect(foldSubtreeRoots({ roots: [root] })).toBe(root);
  });
});

describe("merkleWasmBinary", () => {
  // The committed module is exactly what the generator compiles to: run `npm run wasm:sync`.
  it("is in sync with renderMerkleWat", async () => {
    const committed = await readFile(new URL("./merkleWasmBinary.ts", import.meta.url), "utf8");
    expect(committed).toBe(await renderMerkleWasmSource());
  });
});
