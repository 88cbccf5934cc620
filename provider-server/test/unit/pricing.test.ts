import { describe, expect, it } from "vitest";
import { priceQuote } from "../../src/pricing/priceQuote.ts";
import { pickChallengeIndices } from "../../src/orders/pickChallengeIndices.ts";

const pricing = { weiPerMiBDay: 1000n, minPrice: 5000n, fineMultiplier: 2, quoteTtlSeconds: 900, minStorageDays: 1, maxStorageDays: 30, maxFileSize: 1 << 30 };
const MiB = 1024 * 1024;

describe("priceQuote", () => {
  it.each([
    [1, 1, 5000n], // one started MiB-day is below the minimum
    [MiB, 5, 5000n],
    [MiB, 6, 6000n],
    [MiB + 1, 6, 12_000n], // a started MiB counts whole
    [10 * MiB, 30, 300_000n],
  ])("size %i for %i days costs %s", (size, storageDays, price) => {
    expect(priceQuote({ pricing, size, storageDays })).toEqual({ price, fine: price * 2n });
  });

  it("applies fractional fine multipliers exactly", () => {
    expect(priceQuote({ pricing: { ...pricing, fineMultiplier: 1.5 }, size: MiB, storageDays: 10 }).fine).toBe(15_000n);
    expect(priceQuote({ pricing: { ...pricing, fineMultiplier: 0 }, size: MiB, storageDays: 10 }).fine).toBe(0n);
  });
});

describe("pickChallengeIndices", () => {
  it("draws k distinct sorted indices in range", () => {
    for (let run = 0; run < 50; run++) {
      const indices = pickChallengeIndices({ chunks: 20, k: 8 });
      expect(indices).toHaveLength(8);
      expect(new Set(indices).size).toBe(8);
      expect(indices.every((i) => Number.isInteger(i) && i >= 0 && i < 20)).toBe(true);
      expect([...indices].sort((a, b) => a - b)).toEqual(indices);
    }
  });

  it("takes every chunk of a small file", () => {
    expect(pickChallengeIndices({ chunks: 3, k: 8 })).toEqual([0, 1, 2]);
  });

  it("is not predictable", () => {
    const draws = new Set(Array.from({ length: 20 }, () => pickChallengeIndices({ chunks: 1_000_000, k: 8 }).join(",")));
    expect(draws.size).toBe(20);
  });
});
