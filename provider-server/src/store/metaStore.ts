import type { SqlDatabase } from "../db/SqlDatabase.ts";

/** Small key/value facts, e.g. the last block whose events were processed. */
export function createMetaStore(db: SqlDatabase) {
  return {
    async get(key: string): Promise<string | undefined> {
      return (await db.get<{ value: string }>("SELECT value FROM meta WHERE key = ?", [key]))?.value;
    },
    async set(key: string, value: string): Promise<void> {
      await db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]);
    },
    /** Sets `key` only if it has no value yet; returns the value it holds afterwards (first writer wins). */
    async setIfAbsent(key: string, value: string): Promise<string> {
      await db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [key, value]);
      return (await db.get<{ value: string }>("SELECT value FROM meta WHERE key = ?", [key]))!.value;
    },
  };
}

export type MetaStore = ReturnType<typeof createMetaStore>;
