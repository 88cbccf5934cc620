import type { Database } from "../db/openDatabase.ts";

/** Small key/value facts, e.g. the last block whose events were processed. */
export function createMetaStore(db: Database) {
  const get = db.prepare("SELECT value FROM meta WHERE key = ?");
  const set = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  return {
    get(key: string): string | undefined {
      return (get.get(key) as { value: string } | undefined)?.value;
    },
    set(key: string, value: string): void {
      set.run(key, value);
    },
  };
}

export type MetaStore = ReturnType<typeof createMetaStore>;
