import type { Database } from "../db/openDatabase.ts";
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

/** Every table's accessors over one database. */
export function createStore(db: Database) {
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
  };
}

export type Store = ReturnType<typeof createStore>;
