import { fileRootOf, inclusionProof, splitChunks } from "@pekanu/protocol/merkle";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashSegments, proveFromSegments, readBlobSegment } from "./commitBlob.ts";
import { base64ToBytes, bytesToBase64, verifyAuditAnswer } from "./commitment.ts";
import { proveOwnership } from "./proveOwnership.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 251);

describe("ownership proofs and audits in the browser (Blob)", () => {
  it("proves ownership of challenged chunks, and the proofs verify against the root", async () => {
    const data = bytes(10 * 1024 + 300);
    const root = fileRootOf(data);
    const items = await proveOwnership(new Blob([data]), [0, 4, 10], { expectedRoot: root });
    expect(items.map((i) => i.index)).toEqual([0, 4, 10]);
    for (const item of items) {
      expect(verifyAuditAnswer({ fileRoot: root, size: data.length, index: item.index, chunkBase64: item.chunk, proof: item.proof })).toBe(true);
    }
    expect(base64ToBytes(items[2]!.chunk)).toHaveLength(300);
  });

  it("refuses a proof for another file, and an audit answer with a tampered chunk or wrong index", async () => {
    const data = bytes(4096);
    await expect(proveOwnership(new Blob([data]), [1], { expectedRoot: `0x${"00".repeat(32)}` })).rejects.toThrow(/does not match/);
    const [item] = await proveOwnership(new Blob([data]), [1]);
    const root = fileRootOf(data);
    const chunk = base64ToBytes(item!.chunk);
    chunk[0] ^= 1;
    expect(verifyAuditAnswer({ fileRoot: root, size: 4096, index: 1, chunkBase64: bytesToBase64(chunk), proof: item!.proof })).toBe(false);
    expect(verifyAuditAnswer({ fileRoot: root, size: 4096, index: 2, chunkBase64: item!.chunk, proof: item!.proof })).toBe(false);
    expect(verifyAuditAnswer({ fileRoot: root, size: 4096, index: 1, chunkBase64: "not base64!", proof: item!.proof })).toBe(false);
  });

  it("proves with small segments and helpers too, every proof equal to protocol's inclusionProof over the whole file", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 * 1024 }),
        fc.constantFrom(1024, 2048, 8192),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        async (size, segmentSize, picks) => {
          const data = bytes(size);
          const chunks = splitChunks(data);
          const indices = picks.map((p) => p % chunks.length);
          const blob = new Blob([data]);
          const items = await proveOwnership(blob, indices, { expectedRoot: fileRootOf(data), segmentSize });
          expect(items.map((i) => i.index)).toEqual(indices);
          for (const item of items) {
            expect(item.proof).toEqual(inclusionProof({ chunks, index: item.index }));
            expect(base64ToBytes(item.chunk)).toEqual(chunks[item.index]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reports progress over the file once and one segment per proof, up to the total", async () => {
    const data = bytes(20 * 1024);
    const seen: [number, number][] = [];
    await proveOwnership(new Blob([data]), [0, 19], { segmentSize: 4096, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.at(-1)).toEqual([20 * 1024 + 2 * 4096, 20 * 1024 + 2 * 4096]);
    expect(seen.map(([done]) => done)).toEqual([...seen.map(([done]) => done)].sort((a, b) => a - b));
  });

  it("refuses a chunk index past the end, naming it", async () => {
    const data = bytes(5000);
    const blob = new Blob([data]);
    const readSegment = (i: number) => readBlobSegment(blob, i, 2048);
    const { roots } = await hashSegments({ size: data.length, readSegment, segmentSize: 2048 });
    await expect(proveFromSegments({ size: data.length, roots, indices: [5], readSegment, segmentSize: 2048 })).rejects.toThrow(
      "index 5 out of range for 5 leaves",
    );
  });
});
