import { describe, expect, it } from "vitest";
import { makeRecord } from "../test-support/fixtures.ts";
import { chainNowSec, penaltyAdvice } from "./penalty.ts";
import type { ChainView } from "./vault/schema.ts";

const params = { settleDelay: "120", responseWindow: "60", challengeCooldown: "30", challengeBond: "1000000000000000" };
const view = (patch: Partial<ChainView>): ChainView => ({ state: "Paid", settled: false, paidAt: 1000, deadline: 0, lastChallengeAt: 0, chunkIndex: 0, readAt: 0, params, ...patch });

describe("penalty advice (seed step 14)", () => {
  it("offers a delivery dispute when no σ arrived", async () => {
    const r = await makeRecord(1, { withSigma: false });
    const a = penaltyAdvice(r, view({}), 2000);
    expect(a).toMatchObject({ canDispute: true, canChallenge: false, canClaim: false });
    expect(a.explain[0]).toMatch(/1 min to publish σ/);
  });

  it("offers a storage challenge with σ and shows the bond", async () => {
    const r = await makeRecord(1);
    const a = penaltyAdvice(r, view({}), 2000);
    expect(a).toMatchObject({ canDispute: false, canChallenge: true });
    expect(a.explain.join(" ")).toMatch(/bond of 0\.001 ETH/);
  });

  it("never offers a delivery dispute once σ is on chain, and offers the challenge without σ", async () => {
    const r = await makeRecord(1, { withSigma: false });
    const a = penaltyAdvice(r, view({ delivered: true }), 2000);
    expect(a).toMatchObject({ canDispute: false, canChallenge: true, canClaim: false });
    expect(a.explain.join(" ")).toMatch(/receipt for this file is on chain/);
  });

  it("shows what of the bond comes back when the provider answers", async () => {
    const r = await makeRecord(1);
    const a = penaltyAdvice(r, view({ bondToProvider: "200000000000000", bondBack: "800000000000000" }), 2000);
    expect(a.explain.join(" ")).toMatch(/about 0\.0002 ETH of the bond pays for its answer and 0\.0008 ETH comes back to you/);
  });

  it("respects the challenge cooldown", async () => {
    const r = await makeRecord(1);
    expect(penaltyAdvice(r, view({ lastChallengeAt: 1990 }), 2000).canChallenge).toBe(false);
    expect(penaltyAdvice(r, view({ lastChallengeAt: 1960 }), 2000).canChallenge).toBe(true);
  });

  it("waits for the deadline, then offers the claim with the right amount", async () => {
    const r = await makeRecord(1);
    const open = penaltyAdvice(r, view({ state: "Challenged", deadline: 3000, chunkIndex: 4 }), 2000);
    expect(open).toMatchObject({ canClaim: false, deadline: 3000 });
    expect(open.explain[0]).toMatch(/chunk #4/);
    const late = penaltyAdvice(r, view({ state: "Challenged", deadline: 3000 }), 3001);
    expect(late.canClaim).toBe(true);
    // price 0.001 + fine 0.003 + bond 0.001
    expect(late.claimable).toBe(5_000_000_000_000_000n);
    const settledLate = penaltyAdvice(r, view({ state: "Challenged", settled: true, deadline: 3000 }), 3001);
    expect(settledLate.claimable).toBe(4_000_000_000_000_000n);
    const disputed = penaltyAdvice(r, view({ state: "DeliveryDisputed", deadline: 3000 }), 3001);
    expect(disputed.claimable).toBe(4_000_000_000_000_000n);
  });

  it("compares deadlines with chain time, not this computer's clock", async () => {
    const r = await makeRecord(1);
    // The chain is 100 s ahead of the local clock (e.g. a local chain moved with evm_increaseTime).
    const challenged = view({ state: "Challenged", deadline: 3000, readAt: 2_950_000, blockTime: 3050 });
    expect(chainNowSec(challenged, 2_950_000)).toBe(3050);
    expect(chainNowSec(challenged, 2_955_500)).toBe(3055);
    expect(penaltyAdvice(r, challenged, chainNowSec(challenged, 2_950_000)).canClaim).toBe(true);
    // Behind: not yet, although the local clock says the deadline passed.
    const behind = view({ state: "Challenged", deadline: 3000, readAt: 3_100_000, blockTime: 2990 });
    expect(penaltyAdvice(r, behind, chainNowSec(behind, 3_100_000)).canClaim).toBe(false);
    // Views read without a block time fall back to the local clock.
    expect(chainNowSec(view({ readAt: 5 }), 7_000)).toBe(7);
    expect(chainNowSec(null, 7_999)).toBe(7);
  });

  it("points to withdrawal after a refund or penalty", async () => {
    const r = await makeRecord(1);
    expect(penaltyAdvice(r, view({ state: "Penalized" }), 1).explain[0]).toMatch(/Withdraw/);
    expect(penaltyAdvice(r, view({ state: "Refunded" }), 1).explain[0]).toMatch(/Withdraw/);
  });
});
