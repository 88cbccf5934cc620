import { openSqliteDatabase } from "./openSqliteDatabase.ts";
import type { SqlDatabase } from "./SqlDatabase.ts";

export type { SqlDatabase } from "./SqlDatabase.ts";

/** Opens the state database (migrated to the latest schema): the SQLite file at `path`. */
export async function openDatabase({ path }: { path: string }): Promise<SqlDatabase> {
  return openSqliteDatabase({ path });
}
