// Schema migrations, applied in order; SQLite's `PRAGMA user_version` (PostgreSQL's
// `schema_migrations` table) records how many ran. Append new migrations, never edit one that
// shipped. Each engine's SQL has the same meaning; PostgreSQL's differs only in types: BIGINT for
// every integer (timestamps in ms, sizes), BYTEA for BLOB, an identity column for AUTOINCREMENT,
// and an explicit `rowid` on orders. Amounts in wei are TEXT in both (exact).
/** One migration: the same SQL for every engine, or each engine's own. */
export type Migration = string | { sqlite: string; postgres: string };

export function migrationSql(migration: Migration, dialect: "sqlite" | "postgres"): string {
  return typeof migration === "string" ? migration : migration[dialect];
}

export const migrations: readonly Migration[] = [
  // 1: initial schema
  {
    sqlite: `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  -- The one contract this data dir serves (seed step 1).
  CREATE TABLE deployment (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    chain_id INTEGER NOT NULL,
    address TEXT NOT NULL,
    deploy_block INTEGER NOT NULL,
    deploy_tx TEXT,
    deployed_by_us INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE siwe_nonces (
    nonce TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
  );
  -- Only the SHA-256 of a bearer token is kept: a copy of the database grants no session.
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  -- Registrations seen on chain (ClientRegistered / ClientDeregistered) or made by this server.
  CREATE TABLE clients (
    address TEXT PRIMARY KEY,
    registered INTEGER NOT NULL,
    tx_hash TEXT,
    block_number INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    used_by TEXT,
    used_at INTEGER
  );
  CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    file_root TEXT NOT NULL,
    size INTEGER NOT NULL,
    price TEXT NOT NULL,
    fine TEXT NOT NULL,
    storage_until INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    quote_signature TEXT NOT NULL,
    quoted_at INTEGER NOT NULL,
    quoted_block INTEGER NOT NULL,
    deduplicated INTEGER NOT NULL,
    challenge_indices TEXT,
    paid_tx TEXT,
    paid_block INTEGER,
    chain_state TEXT,
    settled INTEGER NOT NULL DEFAULT 0,
    receipt_link TEXT,
    receipt_signature TEXT,
    receipt_signer TEXT,
    receipt_at INTEGER
  );
  CREATE INDEX orders_by_client ON orders (client, quoted_at);
  CREATE INDEX orders_by_root ON orders (file_root);
  -- Stored blobs, content-addressed by file root.
  CREATE TABLE files (
    file_root TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    stored_at INTEGER NOT NULL
  );
  CREATE TABLE chain_events (
    block_number INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    tx_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    order_id TEXT,
    args TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
  );
  CREATE INDEX chain_events_by_order ON chain_events (order_id);
  -- Work that must survive a restart: answers to disputes and challenges.
  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    order_id TEXT NOT NULL,
    trigger TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    tx_hash TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX tasks_by_status ON tasks (status, next_attempt_at);
`,
    postgres: `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  -- The one contract this data dir serves (seed step 1).
  CREATE TABLE deployment (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    chain_id BIGINT NOT NULL,
    address TEXT NOT NULL,
    deploy_block BIGINT NOT NULL,
    deploy_tx TEXT,
    deployed_by_us BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE siwe_nonces (
    nonce TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
  );
  -- Only the SHA-256 of a bearer token is kept: a copy of the database grants no session.
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  );
  -- Registrations seen on chain (ClientRegistered / ClientDeregistered) or made by this server.
  CREATE TABLE clients (
    address TEXT PRIMARY KEY,
    registered BIGINT NOT NULL,
    tx_hash TEXT,
    block_number BIGINT,
    updated_at BIGINT NOT NULL
  );
  CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    used_by TEXT,
    used_at BIGINT
  );
  -- rowid: insertion order (SQLite has it implicitly; the stores sort by it).
  CREATE TABLE orders (
    rowid BIGINT GENERATED ALWAYS AS IDENTITY,
    order_id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    file_root TEXT NOT NULL,
    size BIGINT NOT NULL,
    price TEXT NOT NULL,
    fine TEXT NOT NULL,
    storage_until BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    quote_signature TEXT NOT NULL,
    quoted_at BIGINT NOT NULL,
    quoted_block BIGINT NOT NULL,
    deduplicated BIGINT NOT NULL,
    challenge_indices TEXT,
    paid_tx TEXT,
    paid_block BIGINT,
    chain_state TEXT,
    settled BIGINT NOT NULL DEFAULT 0,
    receipt_link TEXT,
    receipt_signature TEXT,
    receipt_signer TEXT,
    receipt_at BIGINT
  );
  CREATE INDEX orders_by_client ON orders (client, quoted_at);
  CREATE INDEX orders_by_root ON orders (file_root);
  -- Stored blobs, content-addressed by file root.
  CREATE TABLE files (
    file_root TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    stored_at BIGINT NOT NULL
  );
  CREATE TABLE chain_events (
    block_number BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    tx_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    order_id TEXT,
    args TEXT NOT NULL,
    PRIMARY KEY (block_number, log_index)
  );
  CREATE INDEX chain_events_by_order ON chain_events (order_id);
  -- Work that must survive a restart: answers to disputes and challenges.
  CREATE TABLE tasks (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    order_id TEXT NOT NULL,
    trigger TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    tx_hash TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX tasks_by_status ON tasks (status, next_attempt_at);
`,
  },
  // 2: the payment time read from the contract (orderOf), so the earnings collector can find
  // orders whose settle delay has passed without asking the chain about every paid order.
  {
    sqlite: `
  ALTER TABLE orders ADD COLUMN paid_at INTEGER;
  CREATE INDEX orders_by_chain_state ON orders (chain_state, storage_until);
  `,
    postgres: `
  ALTER TABLE orders ADD COLUMN paid_at BIGINT;
  CREATE INDEX orders_by_chain_state ON orders (chain_state, storage_until);
  `,
  },
  // 3: resumable uploads (tus core on /v1/orders/{id}/content). One row per order with an upload
  // in progress: the bytes persisted so far (`upload_offset`), the Merkle hashing state at that
  // offset, the blob store's partial-object state (whole 8 MiB segments), the bytes after the last
  // whole segment (`tail`, < 8 MiB), and the writer's lease (one writer per order, any instance).
  {
    sqlite: `  CREATE TABLE uploads (
    order_id TEXT PRIMARY KEY,
    upload_offset INTEGER NOT NULL,
    hasher TEXT NOT NULL,
    blob_state TEXT,
    tail BLOB,
    lease_token TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );
`,
    postgres: `  CREATE TABLE uploads (
    order_id TEXT PRIMARY KEY,
    upload_offset BIGINT NOT NULL,
    hasher TEXT NOT NULL,
    blob_state TEXT,
    tail BYTEA,
    lease_token TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
  );
`,
  },
  // 4: answers scheduled by deadline, and the owner's outgoing transactions (one row per nonce,
  // with every fee-bumped version sent for it) so nonces are allocated without collisions across
  // restarts and processes, and a transaction sent before a crash is tracked and re-sent after it.
  {
    sqlite: `  ALTER TABLE tasks ADD COLUMN deadline INTEGER;
  CREATE INDEX tasks_by_deadline ON tasks (status, deadline);
  CREATE TABLE outbox (
    account TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    label TEXT NOT NULL,
    to_address TEXT NOT NULL,
    data TEXT NOT NULL,
    value TEXT NOT NULL,
    gas TEXT NOT NULL,
    deadline INTEGER,
    opened_at INTEGER,
    max_fee TEXT NOT NULL,
    tip TEXT NOT NULL,
    raw TEXT NOT NULL,
    hashes TEXT NOT NULL,
    status TEXT NOT NULL,
    mined_hash TEXT,
    sends INTEGER NOT NULL,
    first_sent_at INTEGER NOT NULL,
    last_sent_at INTEGER NOT NULL,
    PRIMARY KEY (account, nonce)
  );
  CREATE INDEX outbox_by_status ON outbox (account, status);
`,
    postgres: `  ALTER TABLE tasks ADD COLUMN deadline BIGINT;
  CREATE INDEX tasks_by_deadline ON tasks (status, deadline);
  CREATE TABLE outbox (
    account TEXT NOT NULL,
    nonce BIGINT NOT NULL,
    label TEXT NOT NULL,
    to_address TEXT NOT NULL,
    data TEXT NOT NULL,
    value TEXT NOT NULL,
    gas TEXT NOT NULL,
    deadline BIGINT,
    opened_at BIGINT,
    max_fee TEXT NOT NULL,
    tip TEXT NOT NULL,
    raw TEXT NOT NULL,
    hashes TEXT NOT NULL,
    status TEXT NOT NULL,
    mined_hash TEXT,
    sends BIGINT NOT NULL,
    first_sent_at BIGINT NOT NULL,
    last_sent_at BIGINT NOT NULL,
    PRIMARY KEY (account, nonce)
  );
  CREATE INDEX outbox_by_status ON outbox (account, status);
`,
  },
  // 5: compute jobs (issue 14). One row per quoted job: the signed JobQuote, the worker's status
  // (quoted → queued → running → done | failed), the chain's state as last seen in ComputeContract
  // events, the result file and the signed JobReceipt. Portable SQL: INTEGER/TEXT, wei as TEXT.
  {
    sqlite: `
  CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    kernel INTEGER NOT NULL,
    input_a TEXT NOT NULL,
    input_b TEXT NOT NULL,
    m INTEGER NOT NULL,
    k INTEGER NOT NULL,
    n INTEGER NOT NULL,
    price TEXT NOT NULL,
    fine TEXT NOT NULL,
    deliver_by INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    quote_signature TEXT NOT NULL,
    quoted_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    paid_tx TEXT,
    paid_block INTEGER,
    chain_state TEXT,
    delivered INTEGER NOT NULL DEFAULT 0,
    result_root TEXT,
    result_size INTEGER,
    receipt_link TEXT,
    receipt_signature TEXT,
    receipt_signer TEXT,
    publish_tx TEXT,
    error TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX jobs_by_client ON jobs (client, quoted_at);
  CREATE INDEX jobs_by_status ON jobs (status);
  CREATE INDEX jobs_by_result ON jobs (result_root);
  CREATE INDEX jobs_by_chain_state ON jobs (chain_state, deliver_by);
  `,
    postgres: `
  CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    kernel BIGINT NOT NULL,
    input_a TEXT NOT NULL,
    input_b TEXT NOT NULL,
    m BIGINT NOT NULL,
    k BIGINT NOT NULL,
    n BIGINT NOT NULL,
    price TEXT NOT NULL,
    fine TEXT NOT NULL,
    deliver_by BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    quote_signature TEXT NOT NULL,
    quoted_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    paid_tx TEXT,
    paid_block BIGINT,
    chain_state TEXT,
    delivered BIGINT NOT NULL DEFAULT 0,
    result_root TEXT,
    result_size BIGINT,
    receipt_link TEXT,
    receipt_signature TEXT,
    receipt_signer TEXT,
    publish_tx TEXT,
    error TEXT,
    updated_at BIGINT NOT NULL
  );
  CREATE INDEX jobs_by_client ON jobs (client, quoted_at);
  CREATE INDEX jobs_by_status ON jobs (status);
  CREATE INDEX jobs_by_result ON jobs (result_root);
  CREATE INDEX jobs_by_chain_state ON jobs (chain_state, deliver_by);
  `,
  },
];
