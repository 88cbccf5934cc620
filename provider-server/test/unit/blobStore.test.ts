import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBlobStore } from "../../src/blobs/createBlobStore.ts";

const root = `0x${"ab".repeat(32)}` as const;

describe("blob store", () => {
  it("removes leftover temp files at startup", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pekanu-blobs-"));
    const blobs = createBlobStore({ dataDir });
    await blobs.init();
    await writeFile(blobs.tempPath(), "half an upload");
    await writeFile(blobs.tempPath(), "another");
    expect(await blobs.init()).toBe(2);
    expect(await readdir(blobs.tmpDir)).toEqual([]);
  });

  it("moves a temp file into place once; a second copy of the same blob is dropped", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "pekanu-blobs-"));
    const blobs = createBlobStore({ dataDir });
    await blobs.init();
    const first = blobs.tempPath();
    await writeFile(first, "content");
    expect(await blobs.has(root)).toBe(false);
    expect(await blobs.commit({ tempPath: first, fileRoot: root })).toBe(true);
    const second = blobs.tempPath();
    await writeFile(second, "content");
    expect(await blobs.commit({ tempPath: second, fileRoot: root })).toBe(false);
    expect(await readFile(blobs.blobPath(root), "utf8")).toBe("content");
    expect(await readdir(blobs.tmpDir)).toEqual([]);
    expect(await blobs.size(root)).toBe(7);
  });

  it("only ever names files after a lowercase bytes32", async () => {
    const blobs = createBlobStore({ dataDir: "/tmp/x" });
    for (const bad of ["../../etc/passwd", "0xAB", `0x${"AB".repeat(32)}`, `${"ab".repeat(32)}`, `0x${"ab".repeat(32)}/..`]) {
      expect(() => blobs.blobPath(bad as `0x${string}`)).toThrow(/not a file root/);
    }
  });
});
