import type { Database } from "../db/openDatabase.ts";

/** Small key/value facts, e.g. the last block whose events were processed. */
export function createMetaStore(db: Database) {
  const get = db.prepare("SELECT value FROM meta WHERE key = ?");
  const set = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const insertNew = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING");
  const replace = db.prepare("UPDATE meta SET value = ? WHERE key = ? AND value = ?");
  return {
    get(key: string): string | undefined {
      return (get.get(key) as { value: string } | undefined)?.value;
    },
    set(key: string, value: string): void {
      set.run(key, value);
    },
    /**
     * Compare-and-set in one statement: writes `value` only if the key still holds `expected`
     * (`undefined`: only if the key is absent). True when written. Two instances racing on the
     * same key: exactly one wins (the leader lease).
     */
    swap({ key, expected, value }: { key: string; expected: string | undefined; value: string }): boolean {
      const result = expected === undefined ? insertNew.run(key, value) : replace.run(value, key, expected);
      return Number(result.changes) > 0;
    },
  };
}

export type MetaStore = ReturnType<typeof createMetaStore>;
