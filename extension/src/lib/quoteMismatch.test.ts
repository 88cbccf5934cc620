import type { Quote } from "@pekanu/protocol";
import { describe, expect, it } from "vitest";
import { quoteMismatch } from "./quoteMismatch.ts";

const now = 1_800_000_000n;
const account = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const fileRoot = `0x${"ab".repeat(32)}`;
const quote: Quote = {
  orderId: `0x${"01".repeat(32)}`,
  client: account,
  fileRoot: fileRoot as `0x${string}`,
  size: 4096n,
  price: 1_000_003n,
  fine: 2_000_006n,
  storageUntil: now + 30n * 86_400n,
  expiresAt: now + 900n,
};
const asked = { account, fileRoot, size: 4096, storageDays: 30, fineMultiplier: 2, nowSec: now };

describe("quoteMismatch", () => {
  it("accepts the quote that was asked for (any address case, fine rounded down like the provider)", () => {
    expect(quoteMismatch({ quote, ...asked, account: account.toLowerCase() })).toBeNull();
    expect(quoteMismatch({ quote: { ...quote, fine: 1_500_004n }, ...asked, fineMultiplier: 1.5 })).toBeNull();
  });

  it.each([
    ["another account", { client: "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as const }, "it is for another account"],
    ["another file", { fileRoot: `0x${"cd".repeat(32)}` as const }, "it is for another file"],
    ["another size", { size: 4095n }, "it is for another size"],
    ["expired", { expiresAt: now }, "it has already expired"],
    ["a shorter storage period", { storageUntil: now + 29n * 86_400n }, "it stores the file for less than the 30 days you asked for"],
    ["no fine", { fine: 0n }, "its fine is below the advertised 2 × the price"],
    ["a fine below the advertised multiple", { fine: 2_000_005n }, "its fine is below the advertised 2 × the price"],
  ])("refuses a quote for %s", (_name, change, reason) => {
    expect(quoteMismatch({ quote: { ...quote, ...change }, ...asked })).toBe(reason);
  });

  it("tolerates an hour of clock difference on the storage period, not more", () => {
    expect(quoteMismatch({ quote: { ...quote, storageUntil: now + 30n * 86_400n - 3_600n }, ...asked })).toBeNull();
    expect(quoteMismatch({ quote: { ...quote, storageUntil: now + 30n * 86_400n - 3_601n }, ...asked })).not.toBeNull();
  });
});
