import { DatabaseSync, type StatementSync } from "node:sqlite";
import { migrations, migrationSql } from "./migrations.ts";
import type { SqlDatabase, SqlValue } from "./SqlDatabase.ts";

/**
 * Opens (creating if needed) the SQLite database in WAL mode and applies pending migrations, each
 * in its own transaction together with the `user_version` bump, so a crash mid-migration leaves
 * the previous version intact.
 *
 * node:sqlite is synchronous and this process holds one connection: a transaction (BEGIN
 * IMMEDIATE … COMMIT) may span awaits, so every statement from outside it waits until it ends.
 */
export async function openSqliteDatabase({ path }: { path: string }): Promise<SqlDatabase> {
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
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrationSql(migrations[v]!, "sqlite"));
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      db.close();
      throw error;
    }
  }

  const statements = new Map<string, StatementSync>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const params = (values: readonly SqlValue[]) => values as SqlValue[];
  // Settles when the open transaction (if any) ends. Waiters check it again right after waking,
  // in the same tick as their statement (no await between the check and the statement).
  let open: Promise<void> | undefined;

  const direct = {
    run: (sql: string, values: readonly SqlValue[] = []) => ({ changes: Number(prepare(sql).run(...params(values)).changes) }),
    get: <T>(sql: string, values: readonly SqlValue[] = []) => prepare(sql).get(...params(values)) as T | undefined,
    all: <T>(sql: string, values: readonly SqlValue[] = []) => prepare(sql).all(...params(values)) as T[],
  };

  const inTransaction: SqlDatabase = {
    dialect: "sqlite",
    run: async (sql, values) => direct.run(sql, values),
    get: async <T>(sql: string, values?: readonly SqlValue[]) => direct.get<T>(sql, values),
    all: async <T>(sql: string, values?: readonly SqlValue[]) => direct.all<T>(sql, values),
    transaction: (fn) => fn(inTransaction),
    close: async () => {
      throw new Error("close the database, not a transaction");
    },
  };

  return {
    dialect: "sqlite",
    run: async (sql, values) => {
      while (open) await open;
      return direct.run(sql, values);
    },
    get: async <T>(sql: string, values?: readonly SqlValue[]) => {
      while (open) await open;
      return direct.get<T>(sql, values);
    },
    all: async <T>(sql: string, values?: readonly SqlValue[]) => {
      while (open) await open;
      return direct.all<T>(sql, values);
    },
    async transaction<T>(fn: (tx: SqlDatabase) => Promise<T>): Promise<T> {
      while (open) await open;
      let end!: () => void;
      open = new Promise<void>((resolve) => (end = resolve));
      try {
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await fn(inTransaction);
          db.exec("COMMIT");
          return result;
        } catch (error) {
          db.exec("ROLLBACK");
          throw error;
        }
      } finally {
        open = undefined;
        end();
      }
    },
    async close() {
      while (open) await open;
      statements.clear();
      db.close();
    },
  };
}
