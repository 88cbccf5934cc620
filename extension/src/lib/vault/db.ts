// The receipts vault in IndexedDB (idb), with versioned migrations. An upgrade never drops a
// receipt: a record that cannot be migrated is kept verbatim in the "quarantine" store.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import {
  VAULT_DB_NAME,
  VAULT_DB_VERSION,
  mergeRecords,
  migrateV1Record,
  migrateV2Record,
  searchTextOf,
  type VaultRecord,
  type VaultRecordV1,
} from "./schema.ts";
import type { JobRecord } from "./jobSchema.ts";

export type QuarantinedRecord = { id?: number; fromVersion: number; reason: string; raw: unknown; at: number };

interface VaultSchema extends DBSchema {
  orders: {
    key: string;
    value: VaultRecord;
    indexes: { createdAt: number; fileRoot: string; orderId: string };
  };
  quarantine: { key: number; value: QuarantinedRecord };
  jobs: { key: string; value: JobRecord; indexes: { createdAt: number; jobId: string } };
  meta: { key: string; value: { key: string; value: unknown } };
}

export type VaultListQuery = { query?: string; offset?: number; limit?: number };
export type VaultListResult = { total: number; items: VaultRecord[] };

export type Vault = {
  readonly db: IDBPDatabase<VaultSchema>;
  get(key: string): Promise<VaultRecord | undefined>;
  /** Inserts, or merges with the stored copy of the same order. Returns what is stored now. */
  save(record: VaultRecord): Promise<VaultRecord>;
  /** Read-modify-write of one record in one transaction. */
  update(key: string, change: (record: VaultRecord) => VaultRecord): Promise<VaultRecord | undefined>;
  /** Newest first; `query` matches file name, order id, root, link, provider, contract, tx, client. */
  list(query?: VaultListQuery): Promise<VaultListResult>;
  all(): Promise<VaultRecord[]>;
  count(): Promise<number>;
  /** Merges many records in one transaction; returns how many were new and how many merged. */
  saveMany(records: VaultRecord[]): Promise<{ added: number; merged: number }>;
  quarantined(): Promise<QuarantinedRecord[]>;
  /** Compute jobs (v4), beside the orders. */
  getJob(key: string): Promise<JobRecord | undefined>;
  putJob(job: JobRecord): Promise<JobRecord>;
  /** Read-modify-write of one job in one transaction (undefined: no such job). */
  updateJob(key: string, change: (job: JobRecord) => JobRecord): Promise<JobRecord | undefined>;
  /** Newest first. */
  listJobs(): Promise<JobRecord[]>;
  /** Loads the search index in the background (newest first), so the first search is fast. */
  warm(): Promise<void>;
  close(): void;
};

type UpgradeTx = IDBPTransaction<VaultSchema, StoreNames<VaultSchema>[], "versionchange">;

function createV2Stores(db: IDBPDatabase<VaultSchema>): void {
  const orders = db.createObjectStore("orders", { keyPath: "key" });
  orders.createIndex("createdAt", "createdAt");
  orders.createIndex("fileRoot", "fileRoot");
  orders.createIndex("orderId", "orderId");
  db.createObjectStore("quarantine", { keyPath: "id", autoIncrement: true });
  db.createObjectStore("meta", { keyPath: "key" });
}

/** v1 → v2: copy every v1 receipt into the new store, then drop the old store. */
async function migrateFromV1(db: IDBPDatabase<VaultSchema>, tx: UpgradeTx): Promise<void> {
  const untyped = tx as unknown as IDBPTransaction<unknown, string[], "versionchange">;
  const rawDb = db as unknown as IDBPDatabase;
  if (!rawDb.objectStoreNames.contains("receipts")) return;
  const old = untyped.objectStore("receipts");
  const v1Records = (await old.getAll()) as unknown[];
  const orders = tx.objectStore("orders");
  const quarantine = tx.objectStore("quarantine");
  let migrated = 0;
  let kept = 0;
  for (const raw of v1Records) {
    let record: VaultRecord | null = null;
    try {
      record = migrateV1Record(raw as VaultRecordV1);
      if (!record.key || !record.quote || !record.orderId) record = null;
    } catch {
      record = null;
    }
    if (record) {
      const existing = await orders.get(record.key);
      await orders.put(existing ? mergeRecords(existing, record) : record);
      migrated++;
    } else {
      await quarantine.add({ fromVersion: 1, reason: "could not be migrated to v2", raw, at: Date.now() });
      kept++;
    }
  }
  await tx.objectStore("meta").put({ key: "migration:1->2", value: { migrated, quarantined: kept, at: Date.now() } });
  rawDb.deleteObjectStore("receipts");
}

/** v2 → v3: records gain `encryption` (null: stored unencrypted); a record that cannot be read goes to quarantine. */
async function migrateFromV2(tx: UpgradeTx): Promise<void> {
  const orders = tx.objectStore("orders");
  const quarantine = tx.objectStore("quarantine");
  let migrated = 0;
  let kept = 0;
  for (let cursor = await orders.openCursor(); cursor; cursor = await cursor.continue()) {
    try {
      await cursor.update(migrateV2Record(cursor.value));
      migrated++;
    } catch {
      await quarantine.add({ fromVersion: 2, reason: "could not be migrated to v3", raw: cursor.value, at: Date.now() });
      await cursor.delete();
      kept++;
    }
  }
  await tx.objectStore("meta").put({ key: "migration:2->3", value: { migrated, quarantined: kept, at: Date.now() } });
}

/** v3 → v4: the compute jobs' store (orders unchanged). */
function createV4Stores(db: IDBPDatabase<VaultSchema>): void {
  const jobs = db.createObjectStore("jobs", { keyPath: "key" });
  jobs.createIndex("createdAt", "createdAt");
  jobs.createIndex("jobId", "jobId");
}

export async function openVault({ name = VAULT_DB_NAME }: { name?: string } = {}): Promise<Vault> {
  const db = await openDB<VaultSchema>(name, VAULT_DB_VERSION, {
    async upgrade(db, oldVersion, _newVersion, tx) {
      // v1 and fresh databases get the v2 stores (v1 records are migrated straight to v3 records);
      // v2 records gain their v3 field.
      if (oldVersion < 2) createV2Stores(db);
      if (oldVersion === 1) await migrateFromV1(db, tx);
      if (oldVersion === 2) await migrateFromV2(tx);
      if (oldVersion < 4) createV4Stores(db);
      if (oldVersion >= 1 && oldVersion < 4) await tx.objectStore("meta").put({ key: "migration:3->4", value: { jobsStore: true, at: Date.now() } });
    },
    blocking() {
      // A newer version wants to upgrade: let it.
      db.close();
    },
  });

  // Newest-first in-memory index for searching; rebuilt lazily after writes.
  let cache: VaultRecord[] | null = null;
  const invalidate = () => {
    cache = null;
  };

  async function loadAll(): Promise<VaultRecord[]> {
    if (!cache) {
      const all = await db.getAllFromIndex("orders", "createdAt");
      cache = all.reverse();
    }
    return cache;
  }

  const vault: Vault = {
    db,
    get: (key) => db.get("orders", key),
    async save(record) {
      const tx = db.transaction("orders", "readwrite");
      const existing = await tx.store.get(record.key);
      const stored = existing ? mergeRecords(existing, record) : { ...record, searchText: searchTextOf(record) };
      await tx.store.put(stored);
      await tx.done;
      invalidate();
      return stored;
    },
    async update(key, change) {
      const tx = db.transaction("orders", "readwrite");
      const existing = await tx.store.get(key);
      if (!existing) {
        await tx.done;
        return undefined;
      }
      const changed = change(existing);
      const stored = { ...changed, key: existing.key, searchText: searchTextOf(changed) };
      await tx.store.put(stored);
      await tx.done;
      invalidate();
      return stored;
    },
    async list({ query = "", offset = 0, limit = 50 } = {}) {
      const q = query.trim().toLowerCase();
      if (!q) {
        if (cache) return { total: cache.length, items: cache.slice(offset, offset + limit) };
        // A page straight from the index without loading every record: the primary keys in
        // createdAt order (cheap), then the page's records in parallel in the same transaction.
        const tx = db.transaction("orders");
        const keys = await tx.store.index("createdAt").getAllKeys();
        const total = keys.length;
        const end = Math.max(0, total - offset);
        const pageKeys = keys.slice(Math.max(0, end - limit), end).reverse();
        const items = (await Promise.all(pageKeys.map((k) => tx.store.get(k)))).filter((r): r is VaultRecord => r !== undefined);
        await tx.done;
        return { total, items };
      }
      const terms = q.split(/\s+/);
      const matches = (await loadAll()).filter((r) => terms.every((t) => r.searchText.includes(t)));
      return { total: matches.length, items: matches.slice(offset, offset + limit) };
    },
    async all() {
      return [...(await loadAll())];
    },
    count: () => db.count("orders"),
    async saveMany(records) {
      // Duplicates inside the batch are merged first, then each with its stored copy.
      const byKey = new Map<string, VaultRecord>();
      let merged = 0;
      for (const record of records) {
        const seen = byKey.get(record.key);
        if (seen) merged++;
        byKey.set(record.key, seen ? mergeRecords(seen, record) : record);
      }
      // One transaction; only records already stored are read back (to merge). Relaxed
      // durability: an import can be repeated, so it need not wait for each flush to disk.
      const tx = db.transaction("orders", "readwrite", { durability: "relaxed" });
      const stored = new Set(await tx.store.getAllKeys());
      let added = 0;
      const pending: Promise<unknown>[] = [];
      for (const record of byKey.values()) {
        if (stored.has(record.key)) {
          merged++;
          pending.push(tx.store.get(record.key).then((existing) => tx.store.put(existing ? mergeRecords(existing, record) : record)));
        } else {
          added++;
          pending.push(tx.store.put(record.searchText ? record : { ...record, searchText: searchTextOf(record) }));
        }
      }
      await Promise.all(pending);
      await tx.done;
      invalidate();
      return { added, merged };
    },
    quarantined: () => db.getAll("quarantine"),
    getJob: (key) => db.get("jobs", key),
    async putJob(job) {
      await db.put("jobs", job);
      return job;
    },
    async updateJob(key, change) {
      const tx = db.transaction("jobs", "readwrite");
      const existing = await tx.store.get(key);
      if (!existing) {
        await tx.done;
        return undefined;
      }
      const stored = { ...change(existing), key: existing.key };
      await tx.store.put(stored);
      await tx.done;
      return stored;
    },
    async listJobs() {
      return (await db.getAllFromIndex("jobs", "createdAt")).reverse();
    },
    async warm() {
      await loadAll();
    },
    close: () => db.close(),
  };
  return vault;
}
