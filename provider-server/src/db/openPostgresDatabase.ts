import pg from "pg";
import { migrations, migrationSql } from "./migrations.ts";
import { redact } from "./redact.ts";
import type { SqlDatabase, SqlValue } from "./SqlDatabase.ts";

/** The advisory lock under which instances starting together apply the migrations once ("pekanu" in ASCII). */
const MIGRATION_LOCK = 0x70656b616e75;

/** `?` placeholders (the stores' dialect-neutral SQL) as PostgreSQL's `$1, $2, …`. */
const numbered = new Map<string, string>();
function toPostgres(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, text);
  }
  return text;
}

const toParam = (value: SqlValue) => {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
};

// BIGINT columns (block numbers, timestamps, sizes, nonces) come back as numbers: every one of
// them is far below 2^53. Amounts in wei are TEXT columns and stay exact strings.
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

type Queryable = { query: pg.Pool["query"] };

function executor(on: Queryable, transaction: SqlDatabase["transaction"], close: () => Promise<void>): SqlDatabase {
  const query = async (sql: string, values: readonly SqlValue[] = []) => on.query(toPostgres(sql), values.map(toParam));
  return {
    dialect: "postgres",
    run: async (sql, values) => ({ changes: (await query(sql, values)).rowCount ?? 0 }),
    get: async <T>(sql: string, values?: readonly SqlValue[]) => (await query(sql, values)).rows[0] as T | undefined,
    all: async <T>(sql: string, values?: readonly SqlValue[]) => (await query(sql, values)).rows as T[],
    transaction,
    close,
  };
}

/**
 * Opens the PostgreSQL state database at `url` (a pool of `poolSize` connections) and applies
 * pending migrations: all in one transaction under an advisory lock, so instances starting together
 * migrate once and a failed migration leaves the previous version. The version is kept in
 * `schema_migrations` (SQLite keeps it in `user_version`). A `transaction` pins one connection.
 */
export async function openPostgresDatabase({ url, poolSize = 10 }: { url: string; poolSize?: number }): Promise<SqlDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types, keepAlive: true });
  // An idle client that loses its connection must not crash the process: the pool replaces it.
  pool.on("error", () => {});

  const transaction = async <T>(fn: (tx: SqlDatabase) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const tx: SqlDatabase = executor(client, (inner) => inner(tx), async () => {
        throw new Error("close the database, not a transaction");
      });
      try {
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
        throw error;
      }
    } finally {
      // A connection whose rollback failed is not handed out again.
      client.release(broken);
    }
  };

  const db = executor(pool, transaction, () => pool.end());
  try {
    await db.transaction(async (tx) => {
      await tx.run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      await tx.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)");
      const row = await tx.get<{ version: number }>("SELECT version FROM schema_migrations");
      if (row === undefined) await tx.run("INSERT INTO schema_migrations (version) VALUES (0)");
      const version = row?.version ?? 0;
      if (version > migrations.length) {
        throw new Error(`database ${redact(url)} has schema version ${version}, newer than this server (${migrations.length})`);
      }
      for (let v = version; v < migrations.length; v++) await tx.run(migrationSql(migrations[v]!, "postgres"));
      await tx.run("UPDATE schema_migrations SET version = ?", [migrations.length]);
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return db;
}
