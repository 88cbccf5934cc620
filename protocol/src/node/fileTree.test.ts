// The stored tree gives exactly the proofs of the full-read path, reading one block and a hash
// per level; a tree that does not match the file is ignored.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHUNK_SIZE, fileRootOf } from "../merkle/index.ts";
import { proveFileChunk } from "./proveFileChunk.ts";
import { writeFileTree } from "./writeFileTree.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pekanu-tree-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("stored file tree", () => {
  for (const [chunks, tail, blockBits] of [
    [1, 10, 2],
    [4, 0, 2],
    [5, 1, 2],
    [13, 700, 2],
    [64, 0, 6],
    [200, 3, 3],
    [1025, 512, 6],
  ] as const) {
    it(`${chunks} full chunks + ${tail} bytes, blocks of 2^${blockBits}: every proof equals the full-read proof`, async () => {
      const bytes = randomBytes(chunks * CHUNK_SIZE + tail);
      const path = join(dir, `f-${chunks}-${tail}`);
      const treePath = `${path}.tree`;
      await writeFile(path, bytes);
      const { root } = await writeFileTree({ path, treePath, blockBits });
      expect(Buffer.from(root).toString("hex")).toBe(fileRootOf(bytes).slice(2));
      const count = Math.ceil(bytes.length / CHUNK_SIZE);
      const step = Math.max(1, Math.floor(count / 40));
      for (let index = 0; index < count; index += step) {
        const full = await proveFileChunk({ path, index });
        const fast = await proveFileChunk({ path, index, treePath });
        expect(fast.fromTree).toBe(true);
        expect(fast.proof).toEqual(full.proof);
        expect(fast.root).toBe(full.root);
        expect(Buffer.from(fast.chunk)).toEqual(Buffer.from(full.chunk));
        expect(fast.bytesRead).toBeLessThanOrEqual(24 + 2 ** blockBits * CHUNK_SIZE + 32 * 40);
      }
    });
  }

  it("a tree for another size is not used", async () => {
    const path = join(dir, "g");
    await writeFile(path, randomBytes(10 * CHUNK_SIZE));
    await writeFileTree({ path, treePath: `${path}.tree`, blockBits: 1 });
    await writeFile(path, randomBytes(11 * CHUNK_SIZE));
    const proof = await proveFileChunk({ path, index: 3, treePath: `${path}.tree` });
    expect(proof.fromTree).toBe(false);
    const missing = await proveFileChunk({ path, index: 3, treePath: `${path}.none` });
    expect(missing.fromTree).toBe(false);
  });
});
