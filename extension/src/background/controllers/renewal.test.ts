import { describe, expect, it } from "vitest";
import { makeRecord } from "../../test-support/fixtures.ts";
import { renewFile } from "./renewal.ts";

describe("renewFile", () => {
  it("asks the same provider for a new quote for the same root (no file needed: deduplication)", async () => {
    const record = await makeRecord(1);
    const added: unknown[] = [];
    const quoted: string[] = [];
    const id = await renewFile({
      record,
      storageDays: 30,
      deps: { providerOrigin: () => new URL(record.providerUrl).origin, addFile: async (f, d) => (added.push([f, d]), "order-1"), quote: async (o) => void quoted.push(o) },
    });
    expect(id).toBe("order-1");
    expect(added).toEqual([[expect.objectContaining({ fileRoot: record.fileRoot.toLowerCase(), size: record.size, chunks: Math.ceil(record.size / 1024) }), 30]]);
    expect(quoted).toEqual(["order-1"]);
  });
  it("refuses in words when connected to another provider, and starts nothing", async () => {
    const record = await makeRecord(1);
    const added: unknown[] = [];
    await expect(
      renewFile({ record, storageDays: 30, deps: { providerOrigin: () => "http://other.example", addFile: async () => (added.push(1), "x"), quote: async () => undefined } }),
    ).rejects.toThrow(/Renewal asks the provider that stores this file/);
    expect(added).toEqual([]);
  });
});
