// proveStoredChunks (the audit-batch answer) against the protocol's in-memory multi-proof, for
// random sizes around the block boundaries, with and without the stored tree.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileRootOf, merkleTreeHash, multiProofRanges, nodeSha256, splitChunks, verifyMultiProof } from "@pekanu/protocol/node";
import fc from "fast-check";
import { bytesToHex, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBlobStore } from "../../src/blobs/createBlobStore.ts";
import { proveStoredChunks } from "../../src/blobs/proveStoredChunks.ts";
import { TREE_LEVEL } from "../../src/blobs/treeLayout.ts";
import { createUploadHasher } from "../../src/orders/createUploadHasher.ts";

let dir: string;
let store: ReturnType<typeof createBlobStore>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pekanu-prove-many-"));
  store = createBlobStore({ dataDir: dir });
  await store.init();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("proveStoredChunks", () => {
  it("equals the in-memory multi-proof for any size and index set, with or without the stored tree", async () => {
    const block = 2 ** TREE_LEVEL * 1024;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 1, max: 3 * block }), fc.constantFrom(1, 1024, block, block + 1, 2 * block + 1024)),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (size, seeds, withTree) => {
          const bytes = new Uint8Array(randomBytes(size));
          const root = fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;
          if (withTree) {
            const hasher = createUploadHasher({ recordFrom: TREE_LEVEL });
            hasher.update(bytes);
            await store.putTree({ fileRoot: root, tree: hasher.tree() });
          }
          const writer = await store.createWriter({ fileRoot: root });
          await writer.write([bytes]);
          await writer.commit({ fileRoot: root, size });
          const chunks = splitChunks(bytes);
          const indices = [...new Set(seeds.map((s) => s % chunks.length))].sort((a, b) => a - b);
          const proven = await proveStoredChunks({ blobs: store, fileRoot: root, indices });
          expect(proven.root).toBe(root);
          expect(proven.size).toBe(size);
          const expected = multiProofRanges({ indices, treeSize: chunks.length }).map(([start, count]) => merkleTreeHash({ leaves: chunks.slice(start, start + count), sha256: nodeSha256 }));
          expect(proven.proof.map((h) => bytesToHex(h))).toEqual(expected);
          expect(verifyMultiProof({ root, indices, chunks: proven.chunks, treeSize: chunks.length, proof: proven.proof, sha256: nodeSha256 })).toBe(true);
          expect(proven.reads.treeMissing).toBe(!withTree && size >= block);
        },
      ),
      { numRuns: 40 },
    );
  });
});
