import "fake-indexeddb/auto";
import { decryptBytes, generateFileKey } from "@pekanu/protocol/encryption";
import { bytesToHex } from "@pekanu/protocol/merkle";
import { openDB } from "idb";
import { afterEach, describe, expect, it } from "vitest";
import { makeRecord, providerSigner } from "../../test-support/fixtures.ts";
import { openVault, type Vault } from "./db.ts";
import { exportVault, verifyImport, type SignerSource } from "./exchange.ts";
import { importVaultExport } from "./importVaultExport.ts";
import { fromBase64 } from "./passphraseKey.ts";
import type { FileEncryption, VaultRecord } from "./schema.ts";
import { sealVaultExport, type SealedVaultExport } from "./sealVaultExport.ts";
import { unsealVaultExport } from "./unsealVaultExport.ts";
import { VaultExportError } from "./VaultExportError.ts";

let n = 0;
const dbName = () => `vault-seal-test-${++n}-${Math.random()}`;
const opened: Vault[] = [];
async function open(name = dbName()) {
  const vault = await openVault({ name });
  opened.push(vault);
  return vault;
}
afterEach(() => {
  while (opened.length) opened.pop()!.close();
});

const signers: SignerSource = { onChainSigner: async () => providerSigner.address };
const cheap = { N: 2 ** 14, r: 8, p: 1 }; // the accepted minimum, so tests stay fast
const passphrase = "correct horse battery staple";

async function encryptedRecord(i: number, mode: FileEncryption["mode"] = i % 2 ? "private" : "convergent"): Promise<VaultRecord> {
  return { ...(await makeRecord(i)), encryption: { mode, key: bytesToHex(generateFileKey()), plaintextSize: 1000 + i, segmentSize: 1 << 16 } };
}

async function vaultWith(records: VaultRecord[]) {
  const vault = await open();
  await vault.saveMany(records);
  return vault;
}

async function errorOf(promise: Promise<unknown>): Promise<VaultExportError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(VaultExportError);
  return error as VaultExportError;
}

describe("sealed vault export", () => {
  it("right passphrase: every key and receipt restored and verified", async () => {
    const records = await Promise.all([1, 2, 3, 4].map((i) => encryptedRecord(i)));
    records.push(await makeRecord(5)); // an unencrypted file (e.g. a compute input)
    const source = await vaultWith(records);
    const text = await sealVaultExport({ json: exportVault(await source.all(), 1, { includeKeys: true }), passphrase, scrypt: cheap });

    // nothing readable in the sealed file: no key, no file name, no order id
    for (const r of records) {
      expect(text).not.toContain(r.fileName);
      expect(text).not.toContain(r.orderId.slice(2));
      if (r.encryption) expect(text).not.toContain(r.encryption.key!.slice(2));
    }
    const envelope = JSON.parse(text) as SealedVaultExport;
    expect(envelope).toMatchObject({ format: "pekanu-vault-sealed", version: 1, cipher: "pekanu-encryption-v1", kdf: { name: "scrypt", ...cheap } });

    const target = await open();
    const report = await importVaultExport({ vault: target, text, passphrase, signers });
    expect(report).toMatchObject({ sealed: true, added: 5, merged: 0, verifiedOnChain: 5, refused: [] });
    expect(await target.count()).toBe(5);
    for (const r of records) {
      const stored = await target.get(r.key);
      expect(stored?.signature).toBe(r.signature);
      expect(stored?.verification).toMatchObject({ status: "verified", by: "chain" });
      expect(stored?.encryption ?? null).toEqual(r.encryption ?? null);
    }
  });

  it("wrong passphrase: a clear error and nothing imported", async () => {
    const records = await Promise.all([1, 2].map((i) => encryptedRecord(i)));
    const text = await sealVaultExport({ json: exportVault(records, 1, { includeKeys: true }), passphrase, scrypt: cheap });
    const target = await vaultWith([await makeRecord(9)]);
    const error = await errorOf(importVaultExport({ vault: target, text, passphrase: "correct horse battery stapler", signers }));
    expect(error.code).toBe("WrongPassphrase");
    expect(error.message).toBe("Wrong passphrase: the export was not opened and nothing was imported.");
    expect(await target.count()).toBe(1);
    expect((await target.all()).map((r) => r.key)).toEqual([(await makeRecord(9)).key]);
  });

  it("a sealed export asks for its passphrase", async () => {
    const text = await sealVaultExport({ json: exportVault([], 1), passphrase, scrypt: cheap });
    expect((await errorOf(unsealVaultExport({ text }))).code).toBe("PassphraseRequired");
    expect((await errorOf(unsealVaultExport({ text, passphrase: "" }))).code).toBe("PassphraseRequired");
    expect((await errorOf(sealVaultExport({ json: "{}", passphrase: "" }))).code).toBe("EmptyPassphrase");
  });

  it("the passphrase is NFKC-normalized (the same passphrase typed on another keyboard opens it)", async () => {
    const text = await sealVaultExport({ json: exportVault([], 1), passphrase: "ﬁle caf\u00e9", scrypt: cheap });
    await expect(unsealVaultExport({ text, passphrase: "file cafe\u0301" })).resolves.toMatchObject({ sealed: true });
  });

  it("a damaged or altered sealed export: Damaged, nothing imported", async () => {
    const text = await sealVaultExport({ json: exportVault([await encryptedRecord(1)], 1, { includeKeys: true }), passphrase, scrypt: cheap });
    const envelope = JSON.parse(text) as SealedVaultExport;
    const bytes = fromBase64(envelope.ciphertext);
    bytes[bytes.length - 20]! ^= 1;
    const altered = JSON.stringify({ ...envelope, ciphertext: btoa(String.fromCharCode(...bytes)) });
    const target = await open();
    expect((await errorOf(importVaultExport({ vault: target, text: altered, passphrase, signers }))).code).toBe("Damaged");
    expect((await errorOf(unsealVaultExport({ text: JSON.stringify({ ...envelope, ciphertext: "!!" }), passphrase }))).code).toBe("Damaged");
    expect(await target.count()).toBe(0);
  });

  it.each([
    ["too weak", { N: 2 ** 10 }],
    ["too costly", { N: 2 ** 20 }],
    ["too costly (r)", { r: 64 }],
    ["not a power of two", { N: 100_000 }],
  ])("key-derivation parameters %s: UnsafeKdfParameters, before any work", async (_, change) => {
    const text = await sealVaultExport({ json: exportVault([], 1), passphrase, scrypt: cheap });
    const envelope = JSON.parse(text) as SealedVaultExport;
    const altered = JSON.stringify({ ...envelope, kdf: { ...envelope.kdf, ...change } });
    expect((await errorOf(unsealVaultExport({ text: altered, passphrase }))).code).toBe("UnsafeKdfParameters");
  });

  it("an altered salt or a newer format", async () => {
    const text = await sealVaultExport({ json: exportVault([], 1), passphrase, scrypt: cheap });
    const envelope = JSON.parse(text) as SealedVaultExport;
    const salt = `0x${"00".repeat(32)}`;
    expect((await errorOf(unsealVaultExport({ text: JSON.stringify({ ...envelope, kdf: { ...envelope.kdf, salt } }), passphrase }))).code).toBe("WrongPassphrase");
    expect((await errorOf(unsealVaultExport({ text: JSON.stringify({ ...envelope, version: 2 }), passphrase }))).code).toBe("UnsupportedFormat");
    expect((await errorOf(unsealVaultExport({ text: "nope", passphrase }))).code).toBe("NotAnExport");
    expect((await errorOf(unsealVaultExport({ text: JSON.stringify({ format: "other" }), passphrase }))).code).toBe("NotAnExport");
  });

  it("the sealed payload is the Pekanu encryption format under the scrypt key", async () => {
    const json = exportVault([], 1);
    const text = await sealVaultExport({ json, passphrase, scrypt: cheap });
    const envelope = JSON.parse(text) as SealedVaultExport;
    const { scryptAsync } = await import("@noble/hashes/scrypt.js");
    const key = await scryptAsync(new TextEncoder().encode(passphrase), Uint8Array.from(Buffer.from(envelope.kdf.salt.slice(2), "hex")), { ...cheap, dkLen: 32 });
    expect(new TextDecoder().decode(await decryptBytes({ key, ciphertext: fromBase64(envelope.ciphertext) }))).toBe(json);
  });
});

describe("plaintext export and keys", () => {
  it("leaves keys out unless explicitly asked", async () => {
    const record = await encryptedRecord(1, "private");
    const plain = JSON.parse(exportVault([record], 1));
    expect(plain.records[0].encryption).toEqual({ ...record.encryption, key: null });
    expect(exportVault([record], 1)).not.toContain(record.encryption!.key!.slice(2));
    const withKeys = JSON.parse(exportVault([record], 1, { includeKeys: true }));
    expect(withKeys.records[0].encryption).toEqual(record.encryption);
    // a plaintext export is imported as is (no passphrase)
    await expect(unsealVaultExport({ text: exportVault([record], 1) })).resolves.toMatchObject({ sealed: false });
  });

  it("importing a keyless copy never loses a key the vault has; a keyed copy fills one in", async () => {
    const record = await encryptedRecord(1, "private");
    const vault = await vaultWith([record]);
    await importVaultExport({ vault, text: exportVault([record], 1), signers });
    expect((await vault.get(record.key))?.encryption).toEqual(record.encryption);

    const other = await vaultWith([{ ...record, encryption: { ...record.encryption!, key: null } }]);
    await importVaultExport({ vault: other, text: exportVault([record], 1, { includeKeys: true }), signers });
    expect((await other.get(record.key))?.encryption).toEqual(record.encryption);
  });

  it("refuses a record whose key is malformed", async () => {
    const record = await encryptedRecord(1, "private");
    const json = exportVault([{ ...record, encryption: { ...record.encryption!, key: "0x1234" } }], 1, { includeKeys: true });
    const report = await verifyImport(json, signers);
    expect(report.refused).toEqual([{ index: 0, orderId: record.orderId, reason: "malformed record" }]);
  });
});

describe("schema v3 migration", () => {
  it("v2 → v3: every record gains encryption: null, nothing is dropped, an unreadable record is quarantined", async () => {
    const name = dbName();
    const v2 = await Promise.all([1, 2, 3].map((i) => makeRecord(i)));
    const legacy = v2.map(({ encryption: _drop, ...rest }) => rest); // as v2 stored them
    const db = await openDB(name, 2, {
      upgrade(db) {
        const orders = db.createObjectStore("orders", { keyPath: "key" });
        orders.createIndex("createdAt", "createdAt");
        orders.createIndex("fileRoot", "fileRoot");
        orders.createIndex("orderId", "orderId");
        db.createObjectStore("quarantine", { keyPath: "id", autoIncrement: true });
        db.createObjectStore("meta", { keyPath: "key" });
      },
    });
    for (const r of legacy) await db.put("orders", r);
    await db.put("orders", { key: "broken", createdAt: 1 });
    db.close();

    const vault = await open(name);
    expect(vault.db.version).toBe(4); // v4 (compute jobs' store) opens after v3's migration
    expect(await vault.count()).toBe(3);
    for (const r of v2) {
      const stored = await vault.get(r.key);
      expect(stored).toEqual({ ...r, encryption: null });
    }
    const quarantined = await vault.quarantined();
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ fromVersion: 2, raw: { key: "broken", createdAt: 1 } });
    expect((await vault.db.get("meta", "migration:2->3"))?.value).toMatchObject({ migrated: 3, quarantined: 1 });
    vault.close();
    opened.pop();
    expect(await (await open(name)).count()).toBe(3);
  });
});
