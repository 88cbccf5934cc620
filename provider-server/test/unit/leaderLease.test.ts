// The leader lease over a shared database (two connections to one SQLite file stand in for two
// instances): one holder at a time, a dead holder replaced once its lease ran out, the old holder
// counting itself leader no longer before that point, a stopped holder handing over at once, and a
// race on the row won by exactly one.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createLeaderLease, LEADER_KEY } from "../../src/cluster/createLeaderLease.ts";
import { openDatabase } from "../../src/db/openDatabase.ts";
import { createStore } from "../../src/store/createStore.ts";

const LEASE = 60_000;
const SKEW = 15_000;
const log = pino({ level: "silent" });
const opened: ReturnType<typeof createStore>[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.db.close();
});

async function twoInstances() {
  const path = join(await mkdtemp(join(tmpdir(), "pekanu-lease-")), "provider.sqlite");
  const clock = { wall: 1_000_000, mono: 0 };
  const make = async (instanceId: string) => {
    const store = createStore(await openDatabase({ path }));
    opened.push(store);
    const events: string[] = [];
    const lease = createLeaderLease({
      store,
      instanceId,
      leaseMs: LEASE,
      skewMs: SKEW,
      log,
      now: () => clock.wall,
      monotonic: () => clock.mono,
      onElected: (epoch) => void events.push(`elected ${epoch}`),
      onDeposed: (reason) => void events.push(`deposed: ${reason}`),
    });
    return { store, lease, events };
  };
  const advance = (ms: number) => {
    clock.wall += ms;
    clock.mono += ms;
  };
  return { a: await make("a"), b: await make("b"), advance };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("leader lease", () => {
  it("one holder at a time; a dead holder is replaced after its lease, and stops counting itself leader before that", async () => {
    const { a, b, advance } = await twoInstances();
    await a.lease.tick();
    await b.lease.tick();
    await settle();
    expect(a.lease.isLeader()).toBe(true);
    expect(b.lease.isLeader()).toBe(false);
    expect(a.events).toEqual(["elected 1"]);
    expect(b.events).toEqual([]);
    // Renewals keep it: B never gets in while A renews within the lease.
    for (let i = 0; i < 5; i++) {
      advance(LEASE / 3);
      await a.lease.tick();
      await b.lease.tick();
    }
    expect(a.lease.isLeader()).toBe(true);
    expect(b.lease.isLeader()).toBe(false);
    // A stops renewing (crashed, paused, cut off from the database).
    advance(LEASE - SKEW);
    expect(a.lease.isLeader()).toBe(false); // fenced: it would send nothing from here on
    await b.lease.tick();
    expect(b.lease.isLeader()).toBe(false); // the row is still A's for SKEW more ms
    advance(SKEW + 1);
    await b.lease.tick();
    await settle();
    expect(b.lease.isLeader()).toBe(true);
    expect(b.events).toEqual(["elected 2"]);
    expect(JSON.parse((await b.store.meta.get(LEADER_KEY))!)).toMatchObject({ holder: "b", epoch: 2 });
    // A comes back: it sees B's lease and steps down instead of taking it.
    await a.lease.tick();
    await settle();
    expect(a.lease.isLeader()).toBe(false);
    expect(a.events).toEqual(["elected 1", "deposed: held by b"]);
    expect(b.lease.isLeader()).toBe(true);
  });

  it("a stopped leader gives the lease up: the other takes it at its next try, not a lease later", async () => {
    const { a, b } = await twoInstances();
    await a.lease.tick();
    await settle();
    expect(a.lease.isLeader()).toBe(true);
    await a.lease.start(); // running, so stop() has something to stop
    await a.lease.stop();
    expect(a.lease.isLeader()).toBe(false);
    expect(a.events).toEqual(["elected 1", "deposed: stopping"]);
    await b.lease.tick();
    await settle();
    expect(b.lease.isLeader()).toBe(true);
  });

  it("two instances racing on the row: exactly one compare-and-set wins", async () => {
    const { a, b } = await twoInstances();
    const expected = await a.store.meta.get(LEADER_KEY);
    expect(expected).toBeUndefined();
    const results = await Promise.all([
      a.store.meta.swap({ key: LEADER_KEY, expected, value: JSON.stringify({ holder: "a", epoch: 1, until: 1 }) }),
      b.store.meta.swap({ key: LEADER_KEY, expected, value: JSON.stringify({ holder: "b", epoch: 1, until: 1 }) }),
    ]);
    expect(results).toEqual([true, false]);
    const taken = (await a.store.meta.get(LEADER_KEY))!;
    expect(
      await Promise.all([
        b.store.meta.swap({ key: LEADER_KEY, expected: taken, value: "b2" }),
        a.store.meta.swap({ key: LEADER_KEY, expected: taken, value: "a2" }),
      ]),
    ).toEqual([true, false]);
    expect(await a.store.meta.get(LEADER_KEY)).toBe("b2");
  });
});
