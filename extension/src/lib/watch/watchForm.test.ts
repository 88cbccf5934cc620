import { describe, expect, it } from "vitest";
import { defaultSettings } from "../settings.ts";
import { detectionSentence, watchFormOf, watchPatchOf } from "./watchForm.ts";

describe("watch settings form", () => {
  it("shows the defaults in hours and ETH, and saves them back unchanged", () => {
    const s = { ...defaultSettings(), watchSpendCapWei: "10000000000000000" };
    const form = watchFormOf(s);
    expect(form).toEqual({ chunks: "4", intervalHours: "6", unreachableHours: "12", autoEnforce: false, capEth: "0.01" });
    expect(watchPatchOf(form)).toEqual({ patch: { watchChunks: 4, watchIntervalMinutes: 360, watchUnreachableMinutes: 720, watchAutoEnforce: false, watchSpendCapWei: "10000000000000000" } });
  });

  it("refuses what the background would refuse, in plain words", () => {
    const form = watchFormOf(defaultSettings());
    expect(watchPatchOf({ ...form, chunks: "0" })).toEqual({ problem: "Parts per check: a whole number from 1 to 64." });
    expect(watchPatchOf({ ...form, chunks: "2.5" })).toMatchObject({ problem: expect.stringContaining("whole number") });
    expect(watchPatchOf({ ...form, chunks: "65" })).toMatchObject({ problem: expect.stringContaining("1 to 64") });
    expect(watchPatchOf({ ...form, intervalHours: "0" })).toMatchObject({ problem: expect.stringContaining("Check every") });
    expect(watchPatchOf({ ...form, intervalHours: "721" })).toMatchObject({ problem: expect.stringContaining("Check every") });
    expect(watchPatchOf({ ...form, unreachableHours: "" })).toMatchObject({ problem: expect.stringContaining("Unreachable") });
    expect(watchPatchOf({ ...form, capEth: "lots" })).toEqual({ problem: "Spending cap: an amount in ETH, like 0.01." });
    expect(watchPatchOf({ ...form, capEth: "-1" })).toMatchObject({ problem: expect.stringContaining("Spending cap") });
    expect(watchPatchOf({ ...form, intervalHours: "0.5", autoEnforce: true, capEth: "0.25" })).toMatchObject({ patch: { watchIntervalMinutes: 30, watchAutoEnforce: true, watchSpendCapWei: "250000000000000000" } });
  });

  it("says what the defaults catch: 3.9 % per check, 120 checks in 30 days", () => {
    expect(detectionSentence(watchFormOf(defaultSettings()))).toBe("If a provider lost 1 % of a file, one check would notice with 3.9 % probability, and the 120 checks of 30 days with 99.2 %.");
  });
});
