import { fileRootOf } from "@pekanu/protocol/merkle";
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64, proveOwnership, verifyAuditAnswer } from "./commitment.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) % 251);

describe("ownership proofs and audits in the browser (Blob)", () => {
  it("proves ownership of challenged chunks, and the proofs verify against the root", async () => {
    const data = bytes(10 * 1024 + 300);
    const root = fileRootOf(data);
    const items = await proveOwnership(new Blob([data]), [0, 4, 10], { expectedRoot: root });
    expect(items.map((i) => i.index)).toEqual([0, 4, 10]);
    for (const item of items) {
      expect(verifyAuditAnswer({ fileRoot: root, size: data.length, index: item.index, chunkBase64: item.chunk, proof: item.proof })).toBe(true);
    }
    expect(base64ToBytes(items[2]!.chunk)).toHaveLength(300);
  });

  it("refuses a proof for another file, and an audit answer with a tampered chunk or wrong index", async () => {
    const data = bytes(4096);
    await expect(proveOwnership(new Blob([data]), [1], { expectedRoot: `0x${"00".repeat(32)}` })).rejects.toThrow(/does not match/);
    const [item] = await proveOwnership(new Blob([data]), [1]);
    const root = fileRootOf(data);
    const chunk = base64ToBytes(item!.chunk);
    chunk[0] ^= 1;
    expect(verifyAuditAnswer({ fileRoot: root, size: 4096, index: 1, chunkBase64: bytesToBase64(chunk), proof: item!.proof })).toBe(false);
    expect(verifyAuditAnswer({ fileRoot: root, size: 4096, index: 2, chunkBase64: item!.chunk, proof: item!.proof })).toBe(false);
    expect(verifyAuditAnswer({ fileRoot: root, size: 4096, index: 1, chunkBase64: "not base64!", proof: item!.proof })).toBe(false);
  });
});
