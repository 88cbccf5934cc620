import { join } from "node:path";
import { openPostgresDatabase } from "./openPostgresDatabase.ts";
import { openSqliteDatabase } from "./openSqliteDatabase.ts";
import type { SqlDatabase } from "./SqlDatabase.ts";

export type { SqlDatabase } from "./SqlDatabase.ts";

/**
 * Opens the state database, migrated to the latest schema: PostgreSQL when `url` is given (shared
 * by every instance of one provider), else the SQLite file at `path` (or <dataDir>/provider.sqlite).
 */
export async function openDatabase({
  path,
  dataDir,
  url,
  poolSize,
}: {
  path?: string;
  dataDir?: string;
  url?: string | undefined;
  poolSize?: number;
}): Promise<SqlDatabase> {
  if (url) return openPostgresDatabase({ url, poolSize });
  const file = path ?? (dataDir === undefined ? undefined : join(dataDir, "provider.sqlite"));
  if (file === undefined) throw new Error("openDatabase needs a path, a data dir or a URL");
  return openSqliteDatabase({ path: file });
}
