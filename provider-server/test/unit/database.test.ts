import { DatabaseSync } from "node:sqlite";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { applyChainEvents, type ContractEvent } from "../../src/chain/applyChainEvents.ts";
import { migrations } from "../../src/db/migrations.ts";
import { openDatabase } from "../../src/db/openDatabase.ts";
import { createStore } from "../../src/store/createStore.ts";

const dbPath = async () => join(await mkdtemp(join(tmpdir(), "pekanu-db-")), "provider.sqlite");

describe("database", () => {
  it("migrates to the latest user_version in WAL mode, and reopening changes nothing", async () => {
    const path = await dbPath();
    const db = await openDatabase({ path });
    expect(await db.get("PRAGMA user_version")).toEqual({ user_version: migrations.length });
    expect(await db.get("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
    await db.close();
    const again = await openDatabase({ path });
    expect(await again.get("PRAGMA user_version")).toEqual({ user_version: migrations.length });
    await again.close();
  });

  it("refuses a database from a newer server", async () => {
    const path = await dbPath();
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${migrations.length + 1}`);
    raw.close();
    await expect(openDatabase({ path })).rejects.toThrow(/newer than this server/);
  });

  it("rolls a failed transaction back", async () => {
    const store = createStore(await openDatabase({ path: await dbPath() }));
    await expect(
      store.transaction(async (tx) => {
        await tx.meta.set("x", "1");
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.meta.get("x")).toBeUndefined();
  });

  it("makes statements from outside a transaction wait until it ends", async () => {
    const store = createStore(await openDatabase({ path: await dbPath() }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inside = store.transaction(async (tx) => {
      await tx.meta.set("y", "inside");
      await gate;
      await tx.meta.set("y", "committed");
    });
    // Issued while the transaction is open: it must see the committed value, not "inside".
    const outside = store.meta.get("y");
    await new Promise((r) => setTimeout(r, 20));
    release();
    await inside;
    expect(await outside).toBe("committed");
    await store.db.close();
  });

  it("applies a batch of events and the new position atomically, and a replay adds nothing", async () => {
    const store = createStore(await openDatabase({ path: await dbPath() }));
    const orderId = `0x${"11".repeat(32)}` as Hex;
    await store.orders.insert({
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
    const first = await applyChainEvents({ store, events, toBlock: 5, now: 1 });
    expect(first).toMatchObject({ applied: 2, tasksAdded: 1 });
    expect(await store.orders.get(orderId)).toMatchObject({ paidBlock: 5, chainState: "DeliveryDisputed" });
    expect(await store.meta.get("lastProcessedBlock")).toBe("5");
    const replay = await applyChainEvents({ store, events, toBlock: 5, now: 2 });
    expect(replay).toMatchObject({ applied: 0, tasksAdded: 0 });
    expect(await store.tasks.forOrder(orderId)).toHaveLength(1);

    // A failure inside the batch leaves neither effects nor the new position.
    const broken = [event("DeliveryDisputed", 0, { orderId }), { eventName: "OrderPaid", args: null, blockNumber: 6n, logIndex: 1 } as unknown as ContractEvent];
    await expect(applyChainEvents({ store, events: broken, toBlock: 6, now: 3 })).rejects.toThrow();
    expect(await store.meta.get("lastProcessedBlock")).toBe("5");
    expect(await store.tasks.forOrder(orderId)).toHaveLength(1);
  });
});
