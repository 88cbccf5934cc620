// Encrypt-while-committing and streaming decrypt-download, against protocol's reference functions.
import { decryptBytes, encryptBytes, EncryptionError, importSegmentKey, parseEncryptionHeader } from "@pekanu/protocol/encryption";
import { deriveConvergentKey } from "@pekanu/protocol/encryption";
import { fileRootOf } from "@pekanu/protocol/merkle";
import { describe, expect, it } from "vitest";
import { FileChangedError, getSubtreeHasher, HelperLostError, type SegmentHelper } from "../commitBlob.ts";
import { ciphertextStream } from "./ciphertextStream.ts";
import { commitEncryptedBlob } from "./commitEncryptedBlob.ts";
import { decryptDownload, DownloadMismatchError, type DownloadSink } from "./decryptDownload.ts";
import { encryptedLayout, type EncryptedLayout } from "./encryptedLayout.ts";
import { readCiphertextRange } from "./readCiphertextRange.ts";

const bytes = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251);
const E = 1024; // encryption segment (plaintext bytes)
const M = 4096; // commitment segment (ciphertext bytes)

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
}

/** What the worker's "encryptedSegment" helper does, in this thread. */
function helpersOf(blob: Blob, count: number, { failAt }: { failAt?: number } = {}) {
  const done: number[] = [];
  let calls = 0;
  const make = (layout: EncryptedLayout, key: Uint8Array): SegmentHelper[] =>
    Array.from({ length: count }, () => ({
      async segmentRoot(index: number) {
        await new Promise((r) => setTimeout(r, 1));
        if (++calls === failAt) throw new HelperLostError("worker crashed");
        done.push(index);
        const cryptoKey = await importSegmentKey({ key, header: layout.header });
        return (await getSubtreeHasher()).subtreeRoot(await readCiphertextRange({ blob, layout, cryptoKey, start: index * M, end: (index + 1) * M }));
      },
    }));
  return { make, done };
}

/** A sink collecting in memory, recording whether it was closed or aborted. */
function memorySink() {
  const parts: Uint8Array[] = [];
  const state = { closed: false, aborted: false };
  const sink: DownloadSink<Uint8Array> = {
    async write(b) {
      parts.push(b.slice());
    },
    async close() {
      state.closed = true;
      return (await collect(new Blob(parts as Uint8Array<ArrayBuffer>[]).stream())) as Uint8Array;
    },
    async abort() {
      state.aborted = true;
      parts.length = 0;
    },
  };
  return { sink, state, parts };
}

describe("commitEncryptedBlob", () => {
  it.each([0, 1, E - 1, E, E + 1, M - 100, M - 116, 3 * M + 5, 20 * E + 3])(
    "private, %i bytes: the root of exactly the bytes protocol's encryptStream gives",
    async (size) => {
      const plaintext = bytes(size);
      const blob = new Blob([plaintext]);
      const result = await commitEncryptedBlob({ blob, mode: "private", encryptionSegmentSize: E, segmentSize: M });
      const header = result.layout.header;
      const expected = await encryptBytes({ key: result.key, mode: "private", plaintext, segmentSize: E, salt: parseEncryptionHeader(header).salt });
      expect(result.size).toBe(expected.length);
      expect(result.root).toBe(fileRootOf(expected));
      // the upload stream is the same ciphertext, whatever the piece size
      const cryptoKey = await importSegmentKey({ key: result.key, header });
      for (const pieceSize of [M, 777]) expect(await collect(ciphertextStream({ blob, layout: result.layout, cryptoKey, pieceSize }))).toEqual(expected);
      expect(await decryptBytes({ key: result.key, ciphertext: expected })).toEqual(plaintext);
    },
  );

  it("parallel helpers (one lost midway) give the same root; private mode twice gives two roots", async () => {
    const plaintext = bytes(40 * E + 9);
    const blob = new Blob([plaintext]);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const single = await commitEncryptedBlob({ blob, mode: "private", key, encryptionSegmentSize: E, segmentSize: M });
    const { make, done } = helpersOf(blob, 3, { failAt: 4 });
    // same key but a fresh random salt → a different ciphertext; so compare against a run with the same header
    const parallel = await commitEncryptedBlob({ blob, mode: "private", key, encryptionSegmentSize: E, segmentSize: M, helpers: { encrypted: make } });
    expect(done.length).toBeGreaterThan(3);
    const expected = await encryptBytes({ key, mode: "private", plaintext, segmentSize: E, salt: parseEncryptionHeader(parallel.layout.header).salt });
    expect(parallel.root).toBe(fileRootOf(expected));
    expect(parallel.root).not.toBe(single.root);
  });

  it("convergent: two clients with the same file get the same key, ciphertext root and size", async () => {
    const plaintext = bytes(9 * E + 500, 3);
    const a = await commitEncryptedBlob({ blob: new Blob([plaintext]), mode: "convergent", encryptionSegmentSize: E, segmentSize: M });
    const { make } = helpersOf(new Blob([plaintext.slice()]), 2);
    const b = await commitEncryptedBlob({ blob: new Blob([plaintext.slice()]), mode: "convergent", encryptionSegmentSize: E, segmentSize: M, helpers: { encrypted: make } });
    expect(b.key).toEqual(a.key);
    expect(b.key).toEqual(deriveConvergentKey({ plaintextRoot: fileRootOf(plaintext) }));
    expect(b.root).toBe(a.root);
    expect(a.root).toBe(fileRootOf(await encryptBytes({ key: a.key, mode: "convergent", plaintext, segmentSize: E })));
    await expect(commitEncryptedBlob({ blob: new Blob([plaintext]), mode: "convergent", key: a.key })).rejects.toThrow(RangeError);
  });

  it("reports progress over both passes of convergent mode", async () => {
    const phases = new Set<string>();
    await commitEncryptedBlob({ blob: new Blob([bytes(5 * M)]), mode: "convergent", encryptionSegmentSize: E, segmentSize: M, onProgress: ({ phase }) => phases.add(phase) });
    expect([...phases]).toEqual(["plaintext", "ciphertext"]);
  });

  it("a file that changed on disk since it was chosen: FileChangedError", async () => {
    const data = bytes(10 * E);
    const changed = Object.assign(new Blob([data]), { slice: (s?: number, e?: number) => new Blob([data.subarray(0, 5 * E)]).slice(s, e) });
    await expect(commitEncryptedBlob({ blob: changed, mode: "private", encryptionSegmentSize: E, segmentSize: M })).rejects.toBeInstanceOf(FileChangedError);
  });
});

describe("decryptDownload", async () => {
  const D = 1 << 16; // the default encryption segment
  const plaintext = bytes(5 * D + 12345); // five full encryption segments and a bit
  const key = crypto.getRandomValues(new Uint8Array(32));
  const ciphertext = await encryptBytes({ key, mode: "private", plaintext });
  const root = fileRootOf(ciphertext);
  const streamOf = (b: Uint8Array, piece = 100_003) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < b.length; o += piece) c.enqueue(b.slice(o, o + piece));
        c.close();
      },
    });

  it("streams the verified plaintext into the sink and closes it", async () => {
    const { sink, state } = memorySink();
    const received: number[] = [];
    const result = await decryptDownload({ source: streamOf(ciphertext), key, expectedRoot: root, expectedSize: ciphertext.length, sink, onProgress: (b) => received.push(b) });
    expect(result.saved).toEqual(plaintext);
    expect(result).toMatchObject({ root, size: ciphertext.length });
    expect(result.header.plaintextSize).toBe(plaintext.length);
    expect(state).toEqual({ closed: true, aborted: false });
    expect(received.at(-1)).toBe(ciphertext.length);
  });

  it.each([
    ["a flipped bit in segment 3", () => ((c: Uint8Array) => ((c[100 + 3 * (D + 16) + 5]! ^= 1), c))(ciphertext.slice()), "SegmentTampered", 3],
    ["truncated (last segment missing)", () => ciphertext.slice(0, 100 + 5 * (D + 16)), "Truncated", 5],
    ["the wrong key", () => ciphertext, "WrongKey", undefined],
  ] as const)("%s: an error naming the segment, and the sink aborted (nothing saved)", async (_, bad, code, segment) => {
    const { sink, state } = memorySink();
    const useKey = code === "WrongKey" ? crypto.getRandomValues(new Uint8Array(32)) : key;
    const error = await decryptDownload({ source: streamOf(bad()), key: useKey, expectedRoot: root, sink }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncryptionError);
    expect((error as EncryptionError).code).toBe(code);
    expect((error as EncryptionError).segment).toBe(segment);
    expect(state).toEqual({ closed: false, aborted: true });
  });

  it("a valid file that is not the one the receipt names: DownloadMismatchError, sink aborted", async () => {
    const other = await encryptBytes({ key, mode: "private", plaintext }); // same key, fresh salt: decrypts, other root
    const { sink, state } = memorySink();
    await expect(decryptDownload({ source: streamOf(other), key, expectedRoot: root, sink })).rejects.toBeInstanceOf(DownloadMismatchError);
    expect(state.aborted).toBe(true);
    const { sink: sink2, state: state2 } = memorySink();
    await expect(decryptDownload({ source: streamOf(ciphertext), key, expectedRoot: root, expectedSize: ciphertext.length - 1, sink: sink2 })).rejects.toBeInstanceOf(DownloadMismatchError);
    expect(state2.aborted).toBe(true);
  });
});

describe("readCiphertextRange", () => {
  it("any range equals the same bytes of the whole ciphertext", async () => {
    const plaintext = bytes(7 * E + 77);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const ciphertext = await encryptBytes({ key, mode: "convergent", plaintext, segmentSize: E });
    const layout = encryptedLayout(ciphertext.subarray(0, 100));
    const cryptoKey = await importSegmentKey({ key, header: layout.header });
    const blob = new Blob([plaintext]);
    for (const [s, e] of [[0, 1], [0, 100], [50, 150], [99, 1200], [1140, 1141], [1000, 5000], [ciphertext.length - 3, ciphertext.length + 50]] as const) {
      expect(await readCiphertextRange({ blob, layout, cryptoKey, start: s, end: e })).toEqual(ciphertext.slice(s, e));
    }
  });
});

describe("ownership proof of an encrypted file", () => {
  it("proves ciphertext chunks from the plaintext File, checked against the ciphertext root", async () => {
    const { proveOwnership } = await import("../proveOwnership.ts");
    const { verifyInclusion, chunkCount } = await import("@pekanu/protocol/merkle");
    const plaintext = bytes(9 * E + 300, 5);
    const blob = new Blob([plaintext]);
    const committed = await commitEncryptedBlob({ blob, mode: "convergent", encryptionSegmentSize: E, segmentSize: M });
    const cryptoKey = await importSegmentKey({ key: committed.key, header: committed.layout.header });
    const ciphertext = await encryptBytes({ key: committed.key, mode: "convergent", plaintext, segmentSize: E });
    const readSegment = (index: number) => readCiphertextRange({ blob, layout: committed.layout, cryptoKey, start: index * M, end: (index + 1) * M });
    const indices = [0, 3, 5, chunkCount(committed.size) - 1];
    const items = await proveOwnership(blob, indices, { expectedRoot: committed.root, segmentSize: M, ciphertext: { size: committed.size, readSegment } });
    for (const item of items) {
      const chunk = Uint8Array.from(atob(item.chunk), (c) => c.charCodeAt(0));
      expect(chunk).toEqual(ciphertext.slice(item.index * 1024, (item.index + 1) * 1024));
      expect(verifyInclusion({ root: committed.root, index: item.index, treeSize: chunkCount(committed.size), proof: item.proof, chunk })).toBe(true);
    }
    await expect(proveOwnership(blob, [0], { expectedRoot: fileRootOf(plaintext), segmentSize: M, ciphertext: { size: committed.size, readSegment } })).rejects.toThrow(/does not match/);
  });
});
