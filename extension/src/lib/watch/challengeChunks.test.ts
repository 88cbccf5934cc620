import { describe, expect, it } from "vitest";
import { challengeChunks } from "./challengeChunks.ts";

describe("challengeChunks", () => {
  const audits = [
    { at: 1, index: 5, ok: true },
    { at: 2, index: 17, ok: false, problem: "missing" },
  ];
  it("names the chunk the failed check found", () => {
    expect(challengeChunks({ audits, size: 100 * 1024, revealed: new Set() })).toEqual([17n]);
  });
  it("never names a chunk already revealed on chain: a chunk not yet revealed instead", () => {
    const revealed = new Set(Array.from({ length: 99 }, (_, i) => (i >= 42 ? i + 1 : i))); // all but 42
    expect(challengeChunks({ audits, size: 100 * 1024, revealed })).toEqual([42n]);
    expect(challengeChunks({ audits: [], size: 100 * 1024, revealed, random: () => 0.5 })).toEqual([42n]);
  });
  it("without a failed check, a random unrevealed chunk", () => {
    const [i] = challengeChunks({ audits: [], size: 10 * 1024, revealed: new Set([0, 1, 2]), random: () => 0 });
    expect(Number(i)).toBeGreaterThanOrEqual(3);
  });
});
