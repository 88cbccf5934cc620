// proveStoredChunk against the protocol's reference proofs, for random sizes around the block and
// tree boundaries, with the tree hashes recorded by the upload hasher (also across a snapshot).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRootOf, inclusionProof, nodeSha256, splitChunks } from "@pekanu/protocol/node";
import fc from "fast-check";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBlobStore } from "../../src/blobs/createBlobStore.ts";
import { proveStoredChunk } from "../../src/blobs/proveStoredChunk.ts";
import { TREE_LEVEL, treeSize } from "../../src/blobs/treeLayout.ts";
import { createUploadHasher } from "../../src/orders/createUploadHasher.ts";

let dir: string;
let store: ReturnType<typeof createBlobStore>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pekanu-prove-"));
  store = createBlobStore({ dataDir: dir });
  await store.init();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("proveStoredChunk", () => {
  it("equals the reference inclusion proof for any size and index, reading at most two blocks", async () => {
    const block = 2 ** TREE_LEVEL * 1024;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 5 * block }), fc.constantFrom(1, 1024, block - 1, block, block + 1, 2 * block, 4 * block + 1024, 3 * block - 5)),
        fc.nat(),
        fc.integer({ min: 0, max: 5 * block }),
        async (size, indexSeed, cut) => {
          const bytes = new Uint8Array(randomBytes(size));
          const root = fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;
          // Recorded across a snapshot, as a resumed upload does.
          const at = Math.min(cut, size);
          const first = createUploadHasher({ recordFrom: TREE_LEVEL });
          first.update(bytes.subarray(0, at));
          const hasher = createUploadHasher({ state: first.snapshot(), recordFrom: TREE_LEVEL });
          hasher.update(bytes.subarray(at));
          const tree = hasher.tree();
          expect(tree.length).toBe(treeSize({ fullChunks: Math.floor(size / 1024) }));
          if (!(await store.has(root))) {
            await store.putTree({ fileRoot: root, tree });
            const writer = await store.createWriter({ fileRoot: root });
            await writer.write([bytes]);
            await writer.commit({ fileRoot: root, size });
          }
          const chunks = splitChunks(bytes);
          const index = indexSeed % chunks.length;
          const proof = await proveStoredChunk({ blobs: store, fileRoot: root, index });
          expect(proof.root).toBe(root);
          expect(proof.proof).toEqual(inclusionProof({ chunks, index, sha256: nodeSha256 }));
          expect(Buffer.from(proof.chunk).equals(Buffer.from(chunks[index]!))).toBe(true);
          expect(proof.reads.treeMissing).toBe(false);
          expect(proof.reads.blockReads).toBeLessThanOrEqual(2);
        },
      ),
      { numRuns: 60 },
    );
  });
});
