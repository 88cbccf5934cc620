// Due tasks come earliest deadline first (a task whose deadline is unknown last), whatever order
// their events arrived in; the deadline comes from the event.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/openDatabase.ts";
import { createStore } from "../../src/store/createStore.ts";

const order = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as Hex;

describe("task store", () => {
  it("hands out due tasks earliest deadline first", async () => {
    const store = createStore(await openDatabase({ path: join(await mkdtemp(join(tmpdir(), "pekanu-db-")), "provider.sqlite") }));
    await store.tasks.add({ kind: "answerStorageChallenge", orderId: order(1), trigger: "1:0", now: 100, deadline: 500 });
    await store.tasks.add({ kind: "answerDeliveryDispute", orderId: order(2), trigger: "2:0", now: 100, deadline: null });
    await store.tasks.add({ kind: "answerStorageChallenge", orderId: order(3), trigger: "3:0", now: 100, deadline: 200 });
    await store.tasks.add({ kind: "answerDeliveryDispute", orderId: order(4), trigger: "4:0", now: 100, deadline: 300 });
    expect((await store.tasks.due({ now: 100, limit: 10 })).map((t) => [t.orderId, t.deadline])).toEqual([
      [order(3), 200],
      [order(4), 300],
      [order(1), 500],
      [order(2), null],
    ]);
    // A task waiting for a later attempt is not due yet; the rest keep their order.
    const [first] = await store.tasks.due({ now: 100, limit: 1 });
    await store.tasks.update({ ...first!, nextAttemptAt: 150 }, 100);
    expect((await store.tasks.due({ now: 100, limit: 10 })).map((t) => t.orderId)).toEqual([order(4), order(1), order(2)]);
    await store.db.close();
  });
});
