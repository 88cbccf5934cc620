import type { SqlDatabase } from "../db/SqlDatabase.ts";
import { createAuthStore } from "./authStore.ts";
import { createChainEventStore } from "./chainEventStore.ts";
import { createClientStore } from "./clientStore.ts";
import { createDeploymentStore } from "./deploymentStore.ts";
import { createFileStore } from "./fileStore.ts";
import { createJobStore } from "./jobStore.ts";
import { createInviteStore } from "./inviteStore.ts";
import { createMetaStore } from "./metaStore.ts";
import { createOrderStore } from "./orderStore.ts";
import { createOutboxStore } from "./outboxStore.ts";
import { createTaskStore } from "./taskStore.ts";
import { createUploadStore } from "./uploadStore.ts";

/**
 * Every table's accessors over one database (SQLite or PostgreSQL). Every accessor is async.
 * `transaction(async (tx) => …)` runs its body in one database transaction, with `tx` the same
 * accessors bound to it; inside, use only `tx` (the outer store waits for the transaction).
 */
export function createStore(db: SqlDatabase): Store {
  return {
    db,
    auth: createAuthStore(db),
    chainEvents: createChainEventStore(db),
    clients: createClientStore(db),
    deployment: createDeploymentStore(db),
    files: createFileStore(db),
    invites: createInviteStore(db),
    jobs: createJobStore(db),
    meta: createMetaStore(db),
    orders: createOrderStore(db),
    outbox: createOutboxStore(db),
    tasks: createTaskStore(db),
    uploads: createUploadStore(db),
    transaction: (fn) => db.transaction((tx) => fn(createStore(tx))),
  };
}

export type Store = {
  db: SqlDatabase;
  auth: ReturnType<typeof createAuthStore>;
  chainEvents: ReturnType<typeof createChainEventStore>;
  clients: ReturnType<typeof createClientStore>;
  deployment: ReturnType<typeof createDeploymentStore>;
  files: ReturnType<typeof createFileStore>;
  invites: ReturnType<typeof createInviteStore>;
  jobs: ReturnType<typeof createJobStore>;
  meta: ReturnType<typeof createMetaStore>;
  orders: ReturnType<typeof createOrderStore>;
  outbox: ReturnType<typeof createOutboxStore>;
  tasks: ReturnType<typeof createTaskStore>;
  uploads: ReturnType<typeof createUploadStore>;
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
};
