// The blob store contract, run against every backend: local disk always, and a real S3 server
// (Ceph RGW) when one is available (the `server-scale` vitest project starts one; see
// test/support/s3Target.ts). Each backend must store only verified, complete blobs, read ranges
// exactly, and continue a partial (resumable) upload from its saved state in another instance.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chunkCount, fileRootOf, nodeSha256, verifyInclusion } from "@pekanu/protocol/node";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlobStore, SEGMENT_SIZE } from "../src/blobs/BlobStore.ts";
import { createBlobStore } from "../src/blobs/createBlobStore.ts";
import { createS3BlobStore } from "../src/blobs/createS3BlobStore.ts";
import { proveStoredChunk } from "../src/blobs/proveStoredChunk.ts";
import { TREE_LEVEL } from "../src/blobs/treeLayout.ts";
import { createUploadHasher } from "../src/orders/createUploadHasher.ts";
import { s3Target } from "./support/s3Target.ts";

type Backend = { name: string; open: () => Promise<BlobStore>; cleanup: () => Promise<void> };

const dirs: string[] = [];
const disk: Backend = {
  name: "disk",
  async open() {
    const dir = dirs[0] ?? (await mkdtemp(join(tmpdir(), "pekanu-blobs-")));
    dirs[0] = dir;
    return createBlobStore({ dataDir: dir });
  },
  cleanup: async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  },
};

const { target, error: s3Error } = s3Target();
const bucket = `pekanu-test-${randomBytes(4).toString("hex")}`;
const s3: Backend | undefined = target && {
  name: "s3 (Ceph RGW)",
  open: async () =>
    createS3BlobStore({
      bucket,
      endpoint: target.endpoint,
      region: target.region,
      forcePathStyle: true,
      createBucket: true,
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    }),
  cleanup: async () => {},
};

function content(size: number) {
  const bytes = new Uint8Array(randomBytes(size));
  return { bytes, root: fileRootOf(bytes, { sha256: nodeSha256 }) as Hex };
}

const pieces = (bytes: Uint8Array, size: number) => {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
};

const equal = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

async function readAll(store: BlobStore, fileRoot: Hex, start?: number, end?: number): Promise<Buffer> {
  const stream = await store.read({ fileRoot, start, end });
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

function contract(backend: Backend) {
  let store: BlobStore;
  beforeAll(async () => {
    store = await backend.open();
    await store.init();
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it("a written, committed upload (several parts) reads back whole and in exact ranges; a missing blob is absent", async () => {
    const file = content(2 * SEGMENT_SIZE + 12_345);
    expect(await store.has(file.root)).toBe(false);
    expect(await store.size(file.root)).toBeUndefined();
    const writer = await store.createWriter({ fileRoot: file.root });
    for (const batch of pieces(file.bytes, 1 << 20)) await writer.write([batch]);
    expect(await store.has(file.root)).toBe(false); // not visible before commit
    expect(await writer.commit({ fileRoot: file.root, size: file.bytes.length })).toBe(true);
    expect(await store.has(file.root)).toBe(true);
    expect(await store.size(file.root)).toBe(file.bytes.length);
    expect(equal(await readAll(store, file.root), file.bytes)).toBe(true);
    expect(equal(await readAll(store, file.root, 1000, 1999), file.bytes.subarray(1000, 2000))).toBe(true);
    const at = SEGMENT_SIZE - 7;
    expect(equal(await store.readRange({ fileRoot: file.root, start: at, length: 4096 }), file.bytes.subarray(at, at + 4096))).toBe(true);
    const tail = await store.readRange({ fileRoot: file.root, start: file.bytes.length - 10, length: 1024 });
    expect(equal(tail, file.bytes.subarray(file.bytes.length - 10))).toBe(true);
    expect((await store.readRange({ fileRoot: file.root, start: file.bytes.length, length: 1024 })).length).toBe(0);
  });

  it("a small upload (under one part) commits; a second commit of the same root reports it existed and changes nothing", async () => {
    const file = content(5000);
    const first = await store.createWriter({ fileRoot: file.root });
    await first.write([file.bytes]);
    expect(await first.commit({ fileRoot: file.root, size: 5000 })).toBe(true);
    const second = await store.createWriter({ fileRoot: file.root });
    await second.write([file.bytes]);
    expect(await second.commit({ fileRoot: file.root, size: 5000 })).toBe(false);
    expect(equal(await readAll(store, file.root), file.bytes)).toBe(true);
  });

  it("an aborted upload leaves nothing visible", async () => {
    const file = content(SEGMENT_SIZE + 100);
    const writer = await store.createWriter({ fileRoot: file.root });
    for (const batch of pieces(file.bytes, 1 << 20)) await writer.write([batch]);
    await writer.abort();
    expect(await store.has(file.root)).toBe(false);
  });

  it("a partial upload continues from its saved state in another store instance, a rewritten segment replaces the old one, and completes to the blob", async () => {
    const file = content(2 * SEGMENT_SIZE + 777);
    const orderId = `0x${randomBytes(32).toString("hex")}` as Hex;
    let state = await store.partial.begin({ orderId, fileRoot: file.root });
    state = await store.partial.writeSegment({ state, index: 0, pieces: pieces(file.bytes.subarray(0, SEGMENT_SIZE), 1 << 20) });
    // Segment 1 first with wrong bytes (a crash before its database update), then rewritten.
    state = await store.partial.writeSegment({ state, index: 1, pieces: [new Uint8Array(SEGMENT_SIZE).fill(7)] });
    const other = await backend.open();
    state = await other.partial.writeSegment({ state, index: 1, pieces: [file.bytes.subarray(SEGMENT_SIZE, 2 * SEGMENT_SIZE)] });
    state = await other.partial.writeSegment({ state, index: 2, pieces: [file.bytes.subarray(2 * SEGMENT_SIZE)] });
    expect(await other.has(file.root)).toBe(false);
    expect(await other.partial.complete({ state, fileRoot: file.root, size: file.bytes.length })).toBe(true);
    expect(await store.size(file.root)).toBe(file.bytes.length);
    expect(equal(await readAll(store, file.root), file.bytes)).toBe(true);
    if (other !== store) await other.close();
  });

  it("an aborted partial upload leaves nothing visible", async () => {
    const file = content(SEGMENT_SIZE + 1);
    const orderId = `0x${randomBytes(32).toString("hex")}` as Hex;
    let state = await store.partial.begin({ orderId, fileRoot: file.root });
    state = await store.partial.writeSegment({ state, index: 0, pieces: [file.bytes.subarray(0, SEGMENT_SIZE)] });
    await store.partial.abort({ state });
    expect(await store.has(file.root)).toBe(false);
  });

  it("proves any chunk from its 256 KiB block and the stored tree hashes; without a stored tree, from the bytes", async () => {
    const file = content(3 * 1024 * 1024 + 333);
    const hasher = createUploadHasher({ recordFrom: TREE_LEVEL });
    hasher.update(file.bytes);
    await store.putTree({ fileRoot: file.root, tree: hasher.tree() });
    const writer = await store.createWriter({ fileRoot: file.root });
    await writer.write([file.bytes]);
    await writer.commit({ fileRoot: file.root, size: file.bytes.length });
    const treeSize = chunkCount(file.bytes.length);
    for (const index of [0, 1, 1500, treeSize - 1]) {
      const proof = await proveStoredChunk({ blobs: store, fileRoot: file.root, index });
      expect(proof.root).toBe(file.root);
      expect(verifyInclusion({ root: file.root, index, treeSize, proof: proof.proof, chunk: proof.chunk, sha256: nodeSha256 })).toBe(true);
      // The chunk's block and at most the right edge's block; the rest are 32-byte tree hashes.
      expect(proof.reads.treeMissing).toBe(false);
      expect(proof.reads.blockReads).toBeLessThanOrEqual(2);
      expect(proof.reads.bytesRead).toBeLessThanOrEqual(2 * 256 * 1024);
      expect(proof.reads.treeReads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(treeSize)));
    }
    // A blob stored without its tree (e.g. before trees existed) is still proven, from its bytes.
    const old = content(1024 * 1024 + 5);
    const w = await store.createWriter({ fileRoot: old.root });
    await w.write([old.bytes]);
    await w.commit({ fileRoot: old.root, size: old.bytes.length });
    const fallback = await proveStoredChunk({ blobs: store, fileRoot: old.root, index: 700 });
    expect(fallback.reads.treeMissing).toBe(true);
    expect(fallback.root).toBe(old.root);
    expect(verifyInclusion({ root: old.root, index: 700, treeSize: chunkCount(old.bytes.length), proof: fallback.proof, chunk: fallback.chunk, sha256: nodeSha256 })).toBe(true);
  });

  it("refuses anything but a file root as a name", async () => {
    await expect(store.has("../../etc/passwd" as Hex)).rejects.toThrow(/not a file root/);
    expect(() => store.blobPath("0xABC" as Hex)).toThrow(/not a file root/);
    await expect(store.read({ fileRoot: content(10).root })).rejects.toThrow();
  });
}

describe("blob store contract: disk", () => contract(disk));

if (s3) describe(`blob store contract: ${s3.name}`, () => contract(s3));
else describe.skip(`blob store contract: S3 — skipped: ${s3Error ?? "no S3 server (run the server-scale project, or set PEKANU_TEST_S3_ENDPOINT)"}`, () => it("needs an S3 server", () => {}));
