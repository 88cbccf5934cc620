// The fee schedule of an answer: the market's fees for the first half of its window, then a straight
// climb to the ceiling at 80%; replacements always +12.5% or more, never above the ceiling.
import { describe, expect, it } from "vitest";
import { bumpFees, escalateFees, windowUsed } from "../../src/chain/escalateFees.ts";

const gwei = (n: number) => BigInt(Math.round(n * 1e9));
const ceiling = gwei(200);

describe("escalateFees", () => {
  it("follows the market (2 × base fee + tip) while half the window is left", () => {
    for (const used of [0, 0.25, 0.5]) {
      expect(escalateFees({ baseFee: gwei(10), tip: gwei(1), ceiling, used })).toEqual({ maxFeePerGas: gwei(21), maxPriorityFeePerGas: gwei(1) });
    }
  });

  it("climbs in a straight line to the ceiling at 80% of the window, and stays there", () => {
    const at = (used: number) => escalateFees({ baseFee: gwei(10), tip: gwei(1), ceiling, used });
    expect(at(0.65).maxFeePerGas).toBe(gwei(21) + (ceiling - gwei(21)) / 2n);
    expect(at(0.65).maxPriorityFeePerGas).toBe(gwei(1) + (ceiling / 2n - gwei(1)) / 2n);
    expect(at(0.8)).toEqual({ maxFeePerGas: ceiling, maxPriorityFeePerGas: ceiling / 2n });
    expect(at(1)).toEqual({ maxFeePerGas: ceiling, maxPriorityFeePerGas: ceiling / 2n });
  });

  it("never offers more than the ceiling, even when the market is above it", () => {
    const fees = escalateFees({ baseFee: gwei(500), tip: gwei(2), ceiling, used: 0 });
    expect(fees.maxFeePerGas).toBe(ceiling);
    expect(fees.maxPriorityFeePerGas).toBe(gwei(2));
  });

  it("windowUsed is 0 at the opening, 1 at and after the deadline", () => {
    const window = { openedAt: 1000, deadline: 1060 };
    expect(windowUsed({ window, now: 1000 })).toBe(0);
    expect(windowUsed({ window, now: 1030 })).toBe(0.5);
    expect(windowUsed({ window, now: 2000 })).toBe(1);
    expect(windowUsed({ window, now: 0 })).toBe(0);
  });
});

describe("bumpFees", () => {
  const current = { maxFeePerGas: gwei(20), maxPriorityFeePerGas: gwei(1) };

  it("raises both fees by at least 12.5% (nodes refuse replacements under +10%)", () => {
    const next = bumpFees({ current, target: current, ceiling })!;
    expect(next.maxFeePerGas).toBe(gwei(22.5));
    expect(next.maxPriorityFeePerGas).toBe(gwei(1.125));
  });

  it("goes straight to a higher target", () => {
    expect(bumpFees({ current, target: { maxFeePerGas: gwei(100), maxPriorityFeePerGas: gwei(50) }, ceiling })).toEqual({
      maxFeePerGas: gwei(100),
      maxPriorityFeePerGas: gwei(50),
    });
  });

  it("gives up when the ceiling leaves no room for a valid replacement", () => {
    expect(bumpFees({ current: { maxFeePerGas: ceiling, maxPriorityFeePerGas: gwei(1) }, target: current, ceiling })).toBeUndefined();
    expect(bumpFees({ current: { maxFeePerGas: gwei(190), maxPriorityFeePerGas: gwei(1) }, target: current, ceiling })).toBeUndefined();
  });

  it("a zero tip still rises", () => {
    expect(bumpFees({ current: { maxFeePerGas: gwei(20), maxPriorityFeePerGas: 0n }, target: current, ceiling })!.maxPriorityFeePerGas).toBe(gwei(1));
  });
});
