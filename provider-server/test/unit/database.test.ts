import { DatabaseSync } from "node:sqlite";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { applyChainEvents, type ContractEvent } from "../../src/chain/applyChainEvents.ts";
import { migrations } from "../../src/db/migrations.ts";
import { openDatabase, transaction } from "../../src/db/openDatabase.ts";
import { createStore } from "../../src/store/createStore.ts";

const dbPath = async () => join(await mkdtemp(join(tmpdir(), "pekanu-db-")), "provider.sqlite");

describe("database", () => {
  it("migrates to the latest user_version in WAL mode, and reopening changes nothing", async () => {
    const path = await dbPath();
    const db = openDatabase({ path });
    expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    db.close();
    const again = openDatabase({ path });
    expect(again.prepare("PRAGMA user_version").get()).toEqual({ user_version: migrations.length });
    again.close();
  });

  it("refuses a database from a newer server", async () => {
    const path = await dbPath();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${migrations.length + 1}`);
    raw.close();
    expect(() => openDatabase({ path })).toThrow(/newer than this server/);
  });

  it("rolls a failed transaction back", async () => {
    const db = openDatabase({ path: await dbPath() });
    const store = createStore(db);
    expect(() =>
      transaction(db, () => {
        store.meta.set("x", "1");
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(store.meta.get("x")).toBeUndefined();
  });

  it("applies a batch of events and the new position atomically, and a replay adds nothing", async () => {
    const store = createStore(openDatabase({ path: await dbPath() }));
    const orderId = `0x${"11".repeat(32)}` as Hex;
    store.orders.insert({
      orderId,
      client: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      fileRoot: `0x${"22".repeat(32)}`,
      size: 10,
      price: 1n,
      fine: 2n,
      storageUntil: 2e9,
      expiresAt: 2e9,
      quoteSignature: "0x",
      quotedAt: 1,
      quotedBlock: 1,
      deduplicated: false,
      challengeIndices: null,
      paidTx: null,
      paidBlock: null,
      chainState: null,
      settled: false,
      receipt: null,
    });
    const event = (name: string, logIndex: number, args: Record<string, unknown>) =>
      ({ eventName: name, args, blockNumber: 5n, logIndex, transactionHash: `0x${"33".repeat(32)}` }) as unknown as ContractEvent;
    const events = [event("OrderPaid", 0, { orderId }), event("DeliveryDisputed", 1, { orderId, deadline: 99n })];
    const first = applyChainEvents({ store, events, toBlock: 5, now: 1 });
    expect(first).toMatchObject({ applied: 2, tasksAdded: 1 });
    expect(store.orders.get(orderId)).toMatchObject({ paidBlock: 5, chainState: "DeliveryDisputed" });
    expect(store.meta.get("lastProcessedBlock")).toBe("5");
    const replay = applyChainEvents({ store, events, toBlock: 5, now: 2 });
    expect(replay).toMatchObject({ applied: 0, tasksAdded: 0 });
    expect(store.tasks.forOrder(orderId)).toHaveLength(1);

    // A failure inside the batch leaves neither effects nor the new position.
    const broken = [event("DeliveryDisputed", 0, { orderId }), { eventName: "OrderPaid", args: null, blockNumber: 6n, logIndex: 1 } as unknown as ContractEvent];
    expect(() => applyChainEvents({ store, events: broken, toBlock: 6, now: 3 })).toThrow();
    expect(store.meta.get("lastProcessedBlock")).toBe("5");
    expect(store.tasks.forOrder(orderId)).toHaveLength(1);
  });
});
