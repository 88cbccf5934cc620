import type { Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

/** The distinct files (blobs) the provider stores. */
export function createFileStore(db: SqlDatabase) {
  return {
    async get(fileRoot: Hex): Promise<{ fileRoot: Hex; size: number; storedAt: number } | undefined> {
      const row = await db.get<{ fileRoot: Hex; size: number; storedAt: number }>(
        'SELECT file_root AS "fileRoot", size, stored_at AS "storedAt" FROM files WHERE file_root = ?',
        [fileRoot],
      );
      return row && { fileRoot: row.fileRoot, size: Number(row.size), storedAt: Number(row.storedAt) };
    },
    async add({ fileRoot, size, now }: { fileRoot: Hex; size: number; now: number }): Promise<void> {
      await db.run("INSERT INTO files (file_root, size, stored_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [fileRoot, size, now]);
    },
    async totals(): Promise<{ count: number; bytes: number }> {
      const row = (await db.get<{ count: number; bytes: number }>("SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM files"))!;
      return { count: Number(row.count), bytes: Number(row.bytes) };
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
