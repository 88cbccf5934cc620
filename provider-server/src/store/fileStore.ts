import type { Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

/** The distinct files (blobs) the provider stores. */
export function createFileStore(db: Database) {
  const get = db.prepare("SELECT file_root AS fileRoot, size, stored_at AS storedAt FROM files WHERE file_root = ?");
  const add = db.prepare("INSERT OR IGNORE INTO files (file_root, size, stored_at) VALUES (?, ?, ?)");
  const totals = db.prepare("SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM files");
  return {
    get(fileRoot: Hex): { fileRoot: Hex; size: number; storedAt: number } | undefined {
      return get.get(fileRoot) as { fileRoot: Hex; size: number; storedAt: number } | undefined;
    },
    add({ fileRoot, size, now }: { fileRoot: Hex; size: number; now: number }): void {
      add.run(fileRoot, size, now);
    },
    totals(): { count: number; bytes: number } {
      return totals.get() as { count: number; bytes: number };
    },
  };
}

export type FileStore = ReturnType<typeof createFileStore>;
