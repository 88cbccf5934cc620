import { describe, expect, it } from "vitest";
import { makeRecord } from "../../test-support/fixtures.ts";
import { creditSources } from "./creditSources.ts";

const chain = { settled: false, paidAt: 1, deadline: 0, lastChallengeAt: 0, chunkIndex: 0, readAt: 1 };

describe("creditSources", () => {
  it("names each credit: refund, price back + fine + bond back after a claimed challenge, nothing for a healthy file", async () => {
    const base = await makeRecord(1);
    const refunded = { ...base, key: "a", fileName: "a.pdf", chain: { ...chain, state: "Refunded" } };
    const penalized = {
      ...base,
      key: "b",
      fileName: "tax-records.pdf",
      chain: { ...chain, state: "Penalized" },
      actions: [{ kind: "challengeStorage" as const, txHash: `0x${"ab".repeat(32)}` as const, at: 1, status: "confirmed" as const, value: "1000" }],
    };
    const healthy = { ...base, key: "c", chain: { ...chain, state: "Paid" } };
    const price = BigInt(base.quote.price);
    const fine = BigInt(base.quote.fine);
    expect(creditSources([refunded, penalized, healthy])).toEqual([
      { key: "a", fileName: "a.pdf", kind: "refund", amount: price },
      { key: "b", fileName: "tax-records.pdf", kind: "price back", amount: price },
      { key: "b", fileName: "tax-records.pdf", kind: "fine", amount: fine },
      { key: "b", fileName: "tax-records.pdf", kind: "bond back", amount: 1000n },
    ]);
  });
});
