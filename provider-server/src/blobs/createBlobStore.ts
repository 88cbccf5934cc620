// Content-addressed blob storage on local disk: `<dataDir>/blobs/<fileRoot>`. A blob only ever
// appears under its final name complete and fsynced: single-request uploads are written to
// `<dataDir>/tmp/`, synced, then hard-linked into place (link fails if the name exists, so two
// racing uploads of one file never overwrite each other) and the temp name removed. Temp files
// left by a crash are deleted at startup. Resumable uploads keep their partial file in
// `<dataDir>/partial/` (kept across restarts: the database says how much of it is valid).
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, type FileHandle, link, mkdir, open, readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Hex } from "viem";
import { assertFileRoot, type BlobStore, type BlobWriter, SEGMENT_SIZE } from "./BlobStore.ts";

/** Writes `pieces` back to back at `position` (writev may write less than asked: go on). */
export async function writeAll(file: FileHandle, pieces: Uint8Array[], position: number): Promise<void> {
  let rest = pieces;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= rest[i]!.length) skip -= rest[i++]!.length;
    rest = rest.slice(i);
    if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  }
}

export type DiskBlobStore = ReturnType<typeof createBlobStore>;

export function createBlobStore({ dataDir }: { dataDir: string }) {
  const blobDir = join(dataDir, "blobs");
  const tmpDir = join(dataDir, "tmp");
  const partialDir = join(dataDir, "partial");
  const treeDir = join(dataDir, "trees");

  /** Final path of a blob. Only a validated lowercase bytes32 ever becomes a file name. */
  const blobPath = (fileRoot: Hex): string => {
    assertFileRoot(fileRoot);
    return join(blobDir, fileRoot);
  };

  const syncDir = async (dir: string) => {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  /** Links a complete, synced file to its final name and removes the source name. */
  const linkInto = async ({ path, fileRoot }: { path: string; fileRoot: Hex }): Promise<boolean> => {
    const finalPath = blobPath(fileRoot);
    let created = true;
    try {
      await link(path, finalPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        await unlink(path).catch(() => {});
        throw error;
      }
      created = false;
    }
    await unlink(path);
    if (created) await syncDir(blobDir);
    return created;
  };

  const partialPath = (state: string): string => {
    const { file } = JSON.parse(state) as { file: string };
    if (!/^0x[0-9a-f]{64}-[0-9a-f]{16}\.part$/.test(file)) throw new Error("not a partial upload state");
    return join(partialDir, file);
  };

  const store = {
    kind: "disk" as const,
    blobDir,
    tmpDir,
    partialDir,
    blobPath,

    /** Creates the directories and removes temp files a crash left behind; returns how many. */
    async init(): Promise<number> {
      await mkdir(blobDir, { recursive: true });
      await mkdir(tmpDir, { recursive: true });
      await mkdir(partialDir, { recursive: true });
      await mkdir(treeDir, { recursive: true });
      const leftovers = await readdir(tmpDir);
      await Promise.all(leftovers.map((name) => rm(join(tmpDir, name), { force: true, recursive: true })));
      return leftovers.length;
    },

    async has(fileRoot: Hex): Promise<boolean> {
      const path = blobPath(fileRoot);
      try {
        await access(path, constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },

    async size(fileRoot: Hex): Promise<number | undefined> {
      const path = blobPath(fileRoot);
      try {
        return (await stat(path)).size;
      } catch {
        return undefined;
      }
    },

    async read({ fileRoot, start, end }: { fileRoot: Hex; start?: number; end?: number }): Promise<Readable> {
      // Open first, so a missing blob fails here and not later inside the response stream.
      const handle = await open(blobPath(fileRoot), "r");
      return handle.createReadStream({ start, end, autoClose: true }) as Readable;
    },

    async readRange({ fileRoot, start, length }: { fileRoot: Hex; start: number; length: number }): Promise<Buffer> {
      const handle = await open(blobPath(fileRoot), "r");
      try {
        const buffer = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await handle.read(buffer, got, length - got, start + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return buffer.subarray(0, got);
      } finally {
        await handle.close();
      }
    },

    async putTree({ fileRoot, tree }: { fileRoot: Hex; tree: Uint8Array }): Promise<void> {
      assertFileRoot(fileRoot);
      const temp = store.tempPath();
      const handle = await open(temp, "wx", 0o600);
      try {
        await handle.writeFile(tree);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(treeDir, fileRoot));
    },

    async readTree({ fileRoot, start, length }: { fileRoot: Hex; start: number; length: number }): Promise<Buffer | undefined> {
      assertFileRoot(fileRoot);
      let handle: FileHandle;
      try {
        handle = await open(join(treeDir, fileRoot), "r");
      } catch {
        return undefined;
      }
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },

    /** A fresh temp file path, unique per upload. */
    tempPath(): string {
      return join(tmpDir, `${Date.now()}-${randomBytes(8).toString("hex")}.part`);
    },

    async discard(tempPath: string): Promise<void> {
      await rm(tempPath, { force: true });
    },

    /**
     * Moves a complete, synced temp file to its final name. If the blob already exists (another
     * upload of the same content won the race) the temp file is dropped: same root, same bytes.
     * Returns whether this call created the blob.
     */
    async commit({ tempPath, fileRoot }: { tempPath: string; fileRoot: Hex }): Promise<boolean> {
      return linkInto({ path: tempPath, fileRoot });
    },

    /** A temp file written with positioned writev; commit fsyncs and links it. */
    async createWriter(_expected?: { fileRoot: Hex }): Promise<BlobWriter> {
      const tempPath = store.tempPath();
      const file = await open(tempPath, "wx", 0o600);
      let written = 0;
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await file.close();
      };
      return {
        async write(pieces) {
          let bytes = 0;
          for (const piece of pieces) bytes += piece.length;
          const at = written;
          written += bytes;
          await writeAll(file, pieces, at);
        },
        async commit({ fileRoot }) {
          try {
            await file.sync();
            await close();
          } catch (error) {
            await close().catch(() => {});
            await rm(tempPath, { force: true });
            throw error;
          }
          return linkInto({ path: tempPath, fileRoot });
        },
        async abort() {
          await close().catch(() => {});
          await rm(tempPath, { force: true }).catch(() => {});
        },
      };
    },

    partial: {
      async begin({ orderId }: { orderId: Hex; fileRoot?: Hex }): Promise<string> {
        const file = `${orderId.toLowerCase()}-${randomBytes(8).toString("hex")}.part`;
        const handle = await open(join(partialDir, file), "wx", 0o600);
        await handle.close();
        await syncDir(partialDir);
        return JSON.stringify({ file });
      },
      async writeSegment({ state, index, pieces }: { state: string; index: number; pieces: Uint8Array[] }): Promise<string> {
        const handle = await open(partialPath(state), "r+");
        try {
          await writeAll(handle, pieces, index * SEGMENT_SIZE);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return state;
      },
      async complete({ state, fileRoot, size }: { state: string; fileRoot: Hex; size: number }): Promise<boolean> {
        const path = partialPath(state);
        const handle = await open(path, "r+");
        try {
          // A crash after a segment write but before its database update may have left bytes past the end.
          await handle.truncate(size);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return linkInto({ path, fileRoot });
      },
      async abort({ state }: { state: string }): Promise<void> {
        try {
          await rm(partialPath(state), { force: true });
        } catch {
          // nothing to drop
        }
      },
    },

    async close(): Promise<void> {},
  };
  return store satisfies BlobStore;
}
