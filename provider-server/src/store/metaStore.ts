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
    /**
     * Compare-and-set in one statement: writes `value` only if the key still holds `expected`
     * (`undefined`: only if the key is absent). True when written. Two instances racing on the
     * same key: exactly one wins (the leader lease).
     */
    async swap({ key, expected, value }: { key: string; expected: string | undefined; value: string }): Promise<boolean> {
      const { changes } =
        expected === undefined
          ? await db.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", [key, value])
          : await db.run("UPDATE meta SET value = ? WHERE key = ? AND value = ?", [value, key, expected]);
      return changes > 0;
    },
  };
}

export type MetaStore = ReturnType<typeof createMetaStore>;
