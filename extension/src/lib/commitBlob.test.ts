import { fileRootOf } from "@pekanu/protocol/merkle";
import { loadSubtreeHasher } from "@pekanu/protocol/merkle/wasm";
import { describe, expect, it } from "vitest";
import { commitBlob, commitSegments, FileChangedError, getSubtreeHasher, HelperLostError, readBlobSegment, type SegmentHelper } from "./commitBlob.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 251);

/** A helper that reads and hashes in this thread, like a worker would, and records its segments. */
function helperOf(blob: Blob, segmentSize: number, { failAt }: { failAt?: number } = {}) {
  const done: number[] = [];
  let calls = 0;
  const helper: SegmentHelper = {
    async segmentRoot(index) {
      await new Promise((r) => setTimeout(r, 1));
      if (++calls === failAt) throw new HelperLostError("worker crashed");
      done.push(index);
      return (await getSubtreeHasher()).subtreeRoot(await readBlobSegment(blob, index, segmentSize));
    },
  };
  return { helper, done };
}

/** A Blob whose reads return `read` bytes although its size says `size`: a file changed on disk. */
function changingBlob(size: number, read: number): Blob {
  const actual = new Blob([bytes(read)]);
  return Object.assign(new Blob([bytes(size)]), { slice: (start?: number, end?: number) => actual.slice(start, end) });
}

describe("commitBlob", () => {
  it("equals protocol's fileRootOf, whatever the segment size, with progress up to the size", async () => {
    for (const segmentSize of [1024, 4096, 16384]) {
      for (const size of [0, 1, 1024, 1025, 5000, 16384, 70_001]) {
        const data = bytes(size);
        const seen: number[] = [];
        const result = await commitBlob(new Blob([data]), { segmentSize, onProgress: ({ bytes }) => seen.push(bytes) });
        expect(result).toMatchObject({ root: fileRootOf(data), size, chunks: Math.max(1, Math.ceil(size / 1024)), engine: "wasm-simd", threads: 1 });
        expect(seen.at(-1)).toBe(size);
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
      }
    }
  });

  it("gives the same root with the TypeScript engine (a browser without WebAssembly SIMD)", async () => {
    const data = bytes(70_001);
    const result = await commitBlob(new Blob([data]), { segmentSize: 8192, hasher: await loadSubtreeHasher({ engine: "typescript" }) });
    expect(result).toMatchObject({ root: fileRootOf(data), engine: "typescript" });
  });

  it("refuses a segment size that is not a power-of-two number of chunks", async () => {
    for (const segmentSize of [0, 1000, 3072, 1024.5]) {
      await expect(commitBlob(new Blob([bytes(10)]), { segmentSize })).rejects.toThrow(
        new RangeError(`segmentSize must be a power-of-two number of 1024-byte chunks, got ${segmentSize}`),
      );
    }
  });

  it("shares the segments among helpers and folds their roots into the same commitment", async () => {
    const data = bytes(100 * 1024 + 17);
    const blob = new Blob([data]);
    const a = helperOf(blob, 4096);
    const b = helperOf(blob, 4096);
    const result = await commitBlob(blob, { segmentSize: 4096, helpers: [a.helper, b.helper] });
    expect(result).toMatchObject({ root: fileRootOf(data), size: data.length, chunks: 101, threads: 2 });
    expect(a.done.length).toBeGreaterThan(0);
    expect(b.done.length).toBeGreaterThan(0);
    expect([...a.done, ...b.done].sort((x, y) => x - y)).toEqual(Array.from({ length: 26 }, (_, i) => i));
  });

  it("finishes without a helper that fails, re-reading its segment, with the same root", async () => {
    const data = bytes(64 * 1024 + 5);
    const blob = new Blob([data]);
    const broken = helperOf(blob, 4096, { failAt: 2 });
    const seen: number[] = [];
    const result = await commitBlob(blob, { segmentSize: 4096, helpers: [broken.helper], onProgress: ({ bytes }) => seen.push(bytes) });
    expect(result).toMatchObject({ root: fileRootOf(data), threads: 1 });
    // Dropped at its failure: only segments already handed out finish there (at most inFlight = 2).
    expect(broken.done.length).toBeLessThanOrEqual(2);
    expect(seen.at(-1)).toBe(data.length);
  });

  it("fails at once, without redoing anything, when a helper cannot hash its segment (the file changed)", async () => {
    const data = bytes(64 * 1024);
    const blob = new Blob([data]);
    let calls = 0;
    const helper: SegmentHelper = {
      async segmentRoot(index) {
        calls++;
        if (index === 3) throw new FileChangedError();
        return (await getSubtreeHasher()).subtreeRoot(await readBlobSegment(blob, index, 4096));
      },
    };
    await expect(commitBlob(blob, { segmentSize: 4096, helpers: [helper] })).rejects.toThrow(new FileChangedError());
    expect(calls).toBeLessThan(16);
  });

  it("refuses an inFlight that is not a positive integer (it would wait forever)", async () => {
    for (const inFlight of [0, -1, 1.5, Number.NaN]) {
      await expect(commitBlob(new Blob([bytes(10)]), { inFlight })).rejects.toThrow(new RangeError(`inFlight must be a positive integer, got ${inFlight}`));
    }
  });

  it("keeps at most `inFlight` segments per helper", async () => {
    let open = 0;
    let most = 0;
    const data = bytes(40 * 1024);
    const blob = new Blob([data]);
    const helper: SegmentHelper = {
      async segmentRoot(index) {
        most = Math.max(most, ++open);
        await new Promise((r) => setTimeout(r, 2));
        open--;
        return (await getSubtreeHasher()).subtreeRoot(await readBlobSegment(blob, index, 1024));
      },
    };
    expect((await commitBlob(blob, { segmentSize: 1024, helpers: [helper], inFlight: 3 })).root).toBe(fileRootOf(data));
    expect(most).toBe(3);
  });

  it("hashes a single segment here, without the helpers", async () => {
    const data = bytes(3000);
    const blob = new Blob([data]);
    const idle = helperOf(blob, 4096);
    const result = await commitBlob(blob, { segmentSize: 4096, helpers: [idle.helper] });
    expect(result).toMatchObject({ root: fileRootOf(data), threads: 1 });
    expect(idle.done).toEqual([]);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("closed"));
    await expect(commitBlob(new Blob([bytes(8192)]), { segmentSize: 1024, signal: controller.signal })).rejects.toThrow("closed");
  });

  it("fails with FileChangedError when the file is longer or shorter than when it was chosen", async () => {
    for (const streamed of [5000, 7000]) {
      await expect(commitBlob(changingBlob(6000, streamed), { segmentSize: 2048 })).rejects.toThrow(new FileChangedError());
    }
  });
});

describe("commitSegments", () => {
  it("commits bytes already in memory, given segment by segment", async () => {
    const data = bytes(50_000);
    const result = await commitSegments({ size: data.length, segmentSize: 8192, readSegment: async (i) => data.subarray(i * 8192, (i + 1) * 8192) });
    expect(result).toMatchObject({ root: fileRootOf(data), size: 50_000, chunks: 49 });
  });

  it("fails when every helper fails and the file cannot be read here either, and does not hang", async () => {
    const failing: SegmentHelper = { segmentRoot: async () => Promise.reject(new HelperLostError("worker crashed")) };
    await expect(
      commitSegments({ size: 10_000, segmentSize: 1024, helpers: [failing], readSegment: async () => Promise.reject(new FileChangedError()) }),
    ).rejects.toThrow(new FileChangedError());
  });
});

describe("readBlobSegment", () => {
  it("reads an aligned segment, the last one short", async () => {
    const data = bytes(10_000);
    const blob = new Blob([data]);
    expect(await readBlobSegment(blob, 1, 4096)).toEqual(data.subarray(4096, 8192));
    expect(await readBlobSegment(blob, 2, 4096)).toEqual(data.subarray(8192));
  });

  it("turns Chromium's NotReadableError (file modified after it was chosen) into FileChangedError", async () => {
    const unreadable = Object.assign(new Blob([bytes(10)]), {
      slice: () => ({ arrayBuffer: () => Promise.reject(new DOMException("The requested file could not be read", "NotReadableError")) }),
    }) as Blob;
    await expect(readBlobSegment(unreadable, 0, 1024)).rejects.toThrow(new FileChangedError());
  });
});
