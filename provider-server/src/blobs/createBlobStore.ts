// Content-addressed blob storage: `<dataDir>/blobs/<fileRoot>`. A blob only ever appears under its
// final name complete and fsynced: uploads are written to `<dataDir>/tmp/`, synced, then hard-linked
// into place (link fails if the name exists, so two racing uploads of one file never overwrite
// each other) and the temp name removed. Temp files left by a crash are deleted at startup.
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, link, mkdir, open, readdir, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Hex } from "viem";

const ROOT_PATTERN = /^0x[0-9a-f]{64}$/;

export type BlobStore = ReturnType<typeof createBlobStore>;

export function createBlobStore({ dataDir }: { dataDir: string }) {
  const blobDir = join(dataDir, "blobs");
  const tmpDir = join(dataDir, "tmp");

  /** Final path of a blob. Only a validated lowercase bytes32 ever becomes a file name. */
  const blobPath = (fileRoot: Hex): string => {
    if (!ROOT_PATTERN.test(fileRoot)) throw new Error(`not a file root: ${JSON.stringify(fileRoot)}`);
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

  return {
    blobDir,
    tmpDir,
    blobPath,

    /** Creates the directories and removes temp files a crash left behind; returns how many. */
    async init(): Promise<number> {
      await mkdir(blobDir, { recursive: true });
      await mkdir(tmpDir, { recursive: true });
      const leftovers = await readdir(tmpDir);
      await Promise.all(leftovers.map((name) => rm(join(tmpDir, name), { force: true, recursive: true })));
      return leftovers.length;
    },

    async has(fileRoot: Hex): Promise<boolean> {
      try {
        await access(blobPath(fileRoot), constants.R_OK);
        return true;
      } catch {
        return false;
      }
    },

    async size(fileRoot: Hex): Promise<number | undefined> {
      try {
        return (await stat(blobPath(fileRoot))).size;
      } catch {
        return undefined;
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
      const finalPath = blobPath(fileRoot);
      let created = true;
      try {
        await link(tempPath, finalPath);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
          await unlink(tempPath).catch(() => {});
          throw error;
        }
        created = false;
      }
      await unlink(tempPath);
      if (created) await syncDir(blobDir);
      return created;
    },
  };
}
