import "fake-indexeddb/auto";
import { openDB } from "idb";
import { afterEach, describe, expect, it } from "vitest";
import { makeQuote, makeRecord, otherSigner, providerSigner, signQuote, signReceipt, linkOf, chainId, contract } from "../../test-support/fixtures.ts";
import { openVault, type Vault } from "./db.ts";
import { recordKey, type VaultRecordV1 } from "./schema.ts";
import { exportVault, verifyImport, type SignerSource } from "./exchange.ts";
import { quoteToJson } from "./verify.ts";

let n = 0;
const dbName = () => `vault-test-${++n}-${Math.random()}`;
const opened: Vault[] = [];
async function open(name: string) {
  const vault = await openVault({ name });
  opened.push(vault);
  return vault;
}
afterEach(() => {
  while (opened.length) opened.pop()!.close();
});

/** Writes a database exactly as vault schema v1 stored it. */
async function createV1(name: string, records: unknown[]) {
  const db = await openDB(name, 1, {
    upgrade(db) {
      const store = db.createObjectStore("receipts", { keyPath: "orderId" });
      store.createIndex("savedAt", "savedAt");
    },
  });
  for (const r of records) await db.put("receipts", r);
  db.close();
}

async function v1Record(i: number): Promise<VaultRecordV1> {
  const quote = makeQuote(i);
  const link = linkOf(quote);
  return {
    orderId: quote.orderId,
    chainId,
    contract,
    quote: quoteToJson(quote),
    quoteSignature: await signQuote(quote),
    link,
    signature: await signReceipt(quote, link),
    signer: providerSigner.address,
    fileName: `old-${i}.txt`,
    providerUrl: "http://127.0.0.1:8788",
    savedAt: 1_600_000_000_000 + i,
  };
}

const offline: SignerSource = { onChainSigner: async () => null };
const online: SignerSource = { onChainSigner: async () => providerSigner.address };

describe("receipts vault", () => {
  it("stores, lists newest first, searches and pages", async () => {
    const vault = await open(dbName());
    for (let i = 0; i < 12; i++) await vault.save(await makeRecord(i));
    const first = await vault.list({ limit: 5 });
    expect(first.total).toBe(12);
    expect(first.items.map((r) => r.fileName)).toEqual(["file-11.bin", "file-10.bin", "file-9.bin", "file-8.bin", "file-7.bin"]);
    expect((await vault.list({ offset: 10, limit: 5 })).items).toHaveLength(2);
    const hit = await vault.list({ query: "FILE-3.bin" });
    expect(hit.items.map((r) => r.fileName)).toEqual(["file-3.bin"]);
    const byOrder = await vault.list({ query: first.items[0]!.orderId.slice(-8) });
    expect(byOrder.items[0]!.fileName).toBe("file-11.bin");
  });

  it("merges a second copy of the same order instead of duplicating it", async () => {
    const vault = await open(dbName());
    const withoutSigma = await makeRecord(1, { withSigma: false });
    await vault.save({ ...withoutSigma, actions: [{ kind: "disputeDelivery", txHash: `0x${"ee".repeat(32)}`, at: 5, status: "pending" }] });
    const full = await makeRecord(1);
    const stored = await vault.save({ ...full, fileName: "" });
    expect(await vault.count()).toBe(1);
    expect(stored.signature).toBe(full.signature);
    expect(stored.fileName).toBe("file-1.bin");
    expect(stored.actions).toHaveLength(1);
  });

  it("migrates schema v1 to v2 (and on to v4) without dropping a receipt", async () => {
    const name = dbName();
    const good = await Promise.all([1, 2, 3].map(v1Record));
    const broken = { orderId: "0xbroken", savedAt: 5 }; // missing its quote: cannot be migrated
    await createV1(name, [...good, broken]);

    const vault = await open(name);
    expect(vault.db.version).toBe(4);
    expect([...vault.db.objectStoreNames].sort()).toEqual(["jobs", "meta", "orders", "quarantine"]);
    expect(await vault.count()).toBe(3);
    for (const old of good) {
      const record = await vault.get(recordKey(old.chainId, old.contract, old.orderId));
      expect(record).toBeDefined();
      expect(record!.signature).toBe(old.signature);
      expect(record!.link).toBe(old.link);
      expect(record!.fileRoot).toBe(old.quote.fileRoot);
      expect(record!.createdAt).toBe(old.savedAt);
      expect(record!.verification.status).toBe("unverified");
      expect(record!.searchText).toContain(old.fileName.toLowerCase());
      expect(record!.encryption).toBeNull();
    }
    // The record that could not be migrated is kept verbatim, not dropped.
    const quarantined = await vault.quarantined();
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]!.raw).toEqual(broken);
    const log = await vault.db.get("meta", "migration:1->2");
    expect(log?.value).toMatchObject({ migrated: 3, quarantined: 1 });
    // Reopening does not migrate again.
    vault.close();
    opened.pop();
    const again = await open(name);
    expect(await again.count()).toBe(3);
  });

  it("migrates schema v3 to v4: the orders are kept as they were and compute jobs get their own store", async () => {
    const name = dbName();
    const records = await Promise.all([1, 2].map((i) => makeRecord(i)));
    const v3 = await openDB(name, 3, {
      upgrade(db) {
        const orders = db.createObjectStore("orders", { keyPath: "key" });
        orders.createIndex("createdAt", "createdAt");
        orders.createIndex("fileRoot", "fileRoot");
        orders.createIndex("orderId", "orderId");
        db.createObjectStore("quarantine", { keyPath: "id", autoIncrement: true });
        db.createObjectStore("meta", { keyPath: "key" });
      },
    });
    for (const r of records) await v3.put("orders", r);
    v3.close();

    const vault = await open(name);
    expect(vault.db.version).toBe(4);
    expect(await vault.count()).toBe(2);
    for (const r of records) expect(await vault.get(r.key)).toEqual(r);
    expect(await vault.listJobs()).toEqual([]);
    expect((await vault.db.get("meta", "migration:3->4"))?.value).toMatchObject({ jobsStore: true });
    expect(await vault.quarantined()).toEqual([]);
  });

  it("keeps compute jobs beside the orders: put, read-modify-write, newest first", async () => {
    const vault = await open(dbName());
    const job = (n: number) => ({ key: `31337:0xc:0x${n}`, jobId: `0x${n}`, createdAt: n, status: "quoted", actions: [] }) as unknown as import("./jobSchema.ts").JobRecord;
    await vault.putJob(job(1));
    await vault.putJob(job(2));
    expect((await vault.listJobs()).map((j) => j.jobId)).toEqual(["0x2", "0x1"]);
    const changed = await vault.updateJob(job(1).key, (j) => ({ ...j, status: "verified", key: "ignored" }));
    expect(changed).toMatchObject({ key: job(1).key, status: "verified" });
    expect((await vault.getJob(job(1).key))?.status).toBe("verified");
    expect(await vault.updateJob("31337:0xc:0xnone", (j) => j)).toBeUndefined();
    expect(await vault.count()).toBe(0); // jobs are not orders
  });

  it("exports and imports back, verifying every σ and merging duplicates", async () => {
    const source = await open(dbName());
    const records = await Promise.all([1, 2, 3, 4].map((i) => makeRecord(i)));
    records.push(await makeRecord(5, { withSigma: false }));
    await source.saveMany(records);
    const json = exportVault(await source.all());

    const target = await open(dbName());
    await target.save(records[0]!); // already there: must merge, not duplicate
    const report = await verifyImport(json, online);
    expect(report.refused).toEqual([]);
    expect(report.verifiedOnChain).toBe(5);
    const saved = await target.saveMany(report.records);
    expect(saved).toEqual({ added: 4, merged: 1 });
    expect(await target.count()).toBe(5);
    const stored = await target.get(records[2]!.key);
    expect(stored?.verification).toMatchObject({ status: "verified", by: "chain" });
  });

  it("refuses an imported record with a forged σ", async () => {
    const genuine = await makeRecord(1);
    const forged = await makeRecord(2, { signer: otherSigner }); // σ by a key that is not the contract's signer
    const tampered = { ...(await makeRecord(3)), link: "https://evil.example/file" }; // σ no longer covers L
    const json = exportVault([genuine, forged, tampered]);

    const report = await verifyImport(json, online);
    expect(report.records.map((r) => r.orderId)).toEqual([genuine.orderId]);
    expect(report.refused.map((r) => r.orderId)).toEqual([forged.orderId, tampered.orderId]);
    expect(report.refused[0]!.reason).toMatch(/forged|not by the contract's signer/);

    const vault = await open(dbName());
    await vault.saveMany(report.records);
    expect(await vault.count()).toBe(1);
  });

  it("offline, verifies against the recorded signer and flags it; a σ not by that signer is still refused", async () => {
    const genuine = await makeRecord(1);
    const lying = { ...(await makeRecord(2, { signer: otherSigner })), signer: providerSigner.address };
    const report = await verifyImport(exportVault([genuine, lying]), offline);
    expect(report.verifiedOffline).toBe(1);
    expect(report.records[0]!.verification).toMatchObject({ status: "verifiedOffline", by: "recorded" });
    expect(report.refused).toHaveLength(1);
  });

  it("imports a v1 export through the same migration", async () => {
    const old = await v1Record(7);
    const json = JSON.stringify({ format: "pekanu-vault", version: 1, exportedAt: 1, receipts: [old, { nonsense: true }] });
    const report = await verifyImport(json, online);
    expect(report.records).toHaveLength(1);
    expect(report.records[0]!.key).toBe(recordKey(chainId, contract, old.orderId));
    expect(report.refused).toEqual([{ index: 1, orderId: null, reason: "malformed record" }]);
  });

  it("rejects files that are not vault exports", async () => {
    await expect(verifyImport("nope", online)).rejects.toThrow(/not JSON/);
    await expect(verifyImport(JSON.stringify({ format: "x", version: 2, records: [] }), online)).rejects.toThrow(/not a Pekanu/);
    await expect(verifyImport(JSON.stringify({ format: "pekanu-vault", version: 4, records: [] }), online)).rejects.toThrow(/newer/);
  });
});
