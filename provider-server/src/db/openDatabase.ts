import { DatabaseSync } from "node:sqlite";
import { migrations } from "./migrations.ts";

export type Database = DatabaseSync;

/**
 * Opens (creating if needed) the SQLite database in WAL mode and applies pending migrations, each
 * in its own transaction together with the `user_version` bump, so a crash mid-migration leaves
 * the previous version intact.
 */
export function openDatabase({ path }: { path: string }): Database {
  const db = new DatabaseSync(path, { timeout: 5000 });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
  if (version > migrations.length) {
    db.close();
    throw new Error(`database ${path} has schema version ${version}, newer than this server (${migrations.length})`);
  }
  for (let v = version; v < migrations.length; v++) {
    transaction(db, () => {
      db.exec(migrations[v]!);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    });
  }
  return db;
}

/**
 * Runs `fn` in one IMMEDIATE transaction (takes the write lock up front, so no upgrade deadlock).
 * Inside an open transaction it just runs `fn`: the outer one commits or rolls back everything.
 */
export function transaction<T>(db: Database, fn: () => T): T {
  if (db.isTransaction) return fn();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
