/** A value a statement takes or a row holds. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/**
 * The state database as the stores use it, whatever the engine: SQLite (node:sqlite, the embedded
 * default) or PostgreSQL (node-postgres). Statements are written once with `?` placeholders; the
 * PostgreSQL side numbers them. Every call is async, so a store never assumes it is the only
 * writer: what must be atomic is one conditional statement or one `transaction`.
 */
export type SqlDatabase = {
  readonly dialect: "sqlite" | "postgres";
  /** Runs a statement; `changes` is the number of rows it inserted, updated or deleted. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * Runs `fn` in one transaction over `tx` (commits when it resolves, rolls back when it throws).
   * Inside, use only `tx`: the outer database waits for the transaction to end. A nested call
   * joins the open transaction.
   */
  transaction<T>(fn: (tx: SqlDatabase) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};
