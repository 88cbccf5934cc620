import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chunkCount } from "../merkle/chunkCount.ts";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { inclusionProof } from "../merkle/inclusionProof.ts";
import { MerkleError } from "../merkle/MerkleError.ts";
import { splitChunks } from "../merkle/splitChunks.ts";
import { hex, patternFile, randomFile, toHex, vectors } from "../merkle/test/reference.ts";
import { verifyInclusion } from "../merkle/verifyInclusion.ts";
import { fileCommitment } from "./fileCommitment.ts";
import { proveFileChunk } from "./proveFileChunk.ts";

const dir = mkdtempSync(join(tmpdir(), "pekanu-merkle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function tempFile(bytes: Uint8Array): string {
  const path = join(dir, `file-${counter++}`);
  writeFileSync(path, bytes);
  return path;
}

const sizes = [0, 1, 1023, 1024, 1025, 4096, 5000, 64 * 1024 + 3, (1 << 20) + 7, 3 * (1 << 20) + 1234];

describe("fileCommitment", () => {
  it.each(sizes)("equals fileRootOf for a %i-byte file", async (size) => {
    const bytes = randomFile(size);
    const path = tempFile(bytes);
    const expected = { root: fileRootOf(bytes), size, chunks: chunkCount(size) };
    expect(await fileCommitment({ path })).toEqual(expected);
    expect(await fileCommitment({ path, highWaterMark: 777 })).toEqual(expected);
    const bytesRoot = await fileCommitment({ path, to: "bytes", highWaterMark: 64 * 1024 });
    expect(toHex(bytesRoot.root)).toBe(expected.root);
  });

  it.each(vectors.files)("matches the vector for $size bytes", async ({ size, chunks, fileRoot }) => {
    expect(await fileCommitment({ path: tempFile(patternFile(size)) })).toEqual({ root: hex(fileRoot), size, chunks });
  });

  it("reports progress up to the file size", async () => {
    const size = 3 * (1 << 20) + 5;
    const path = tempFile(randomFile(size));
    const progress: { bytes: number; totalBytes: number }[] = [];
    await fileCommitment({ path, onProgress: (p) => progress.push(p) });
    expect(progress.length).toBe(4);
    expect(progress.at(-1)).toEqual({ bytes: size, totalBytes: size });
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));
  });

  it("rejects for a missing file and on abort", async () => {
    await expect(fileCommitment({ path: join(dir, "missing") })).rejects.toMatchObject({ code: "ENOENT" });
    const path = tempFile(randomFile(1 << 20));
    await expect(fileCommitment({ path, signal: AbortSignal.abort() })).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("proveFileChunk", () => {
  it.each([0, 1, 1025, 5000, (1 << 20) + 7, 3 * (1 << 20) + 1234])("proves chunks of a %i-byte file", async (size) => {
    const bytes = randomFile(size);
    const path = tempFile(bytes);
    const chunks = splitChunks(bytes);
    const root = fileRootOf(bytes);
    const n = chunks.length;
    const indices = [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1, Math.floor(Math.random() * n)])].filter((i) => i >= 0 && i < n);
    for (const index of indices) {
      const proof = inclusionProof({ chunks, index });
      const expected = { chunk: new Uint8Array(chunks[index]!), proof, root, size, chunks: n };
      const proved = await proveFileChunk({ path, index });
      // bytesRead / fromTree describe how the proof was made (fileTree.test.ts covers them).
      const { bytesRead, fromTree, ...rest } = proved;
      expect(fromTree).toBe(false);
      expect(bytesRead).toBeLessThanOrEqual(size);
      expect({ ...rest, chunk: new Uint8Array(proved.chunk) }).toEqual(expected);
      const small = await proveFileChunk({ path, index, readSize: 3000 });
      expect(small.proof).toEqual(proof);
      expect(verifyInclusion({ root, chunk: proved.chunk, index, treeSize: n, proof: proved.proof })).toBe(true);
    }
  });

  it("matches the sample proofs of the vectors", async () => {
    for (const { size, fileRoot, sampleProof } of vectors.files) {
      if (!sampleProof) continue;
      const proved = await proveFileChunk({ path: tempFile(patternFile(size)), index: sampleProof.chunkIndex });
      expect(proved.proof).toEqual(sampleProof.proof.map(hex));
      expect(proved.root).toBe(hex(fileRoot));
    }
  });

  it("rejects an index out of range and a missing file", async () => {
    const path = tempFile(randomFile(2048));
    await expect(proveFileChunk({ path, index: 2 })).rejects.toBeInstanceOf(MerkleError);
    await expect(proveFileChunk({ path, index: 2 })).rejects.toMatchObject({ code: "ChunkIndexOutOfRange" });
    await expect(proveFileChunk({ path: join(dir, "missing"), index: 0 })).rejects.toMatchObject({ code: "ENOENT" });
  });
});
