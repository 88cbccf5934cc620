import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "./bytesToHex.ts";
import { hexToBytes } from "./hexToBytes.ts";
import { MerkleError } from "./MerkleError.ts";

describe("hex helpers", () => {
  it("round-trips", () => {
    for (let n = 0; n < 100; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const hex = bytesToHex(bytes);
      expect(hex).toBe(`0x${Buffer.from(bytes).toString("hex")}`);
      expect(hexToBytes(hex)).toEqual(bytes);
      expect(hexToBytes(hex.toUpperCase().replace("0X", "0x"))).toEqual(bytes);
    }
  });

  it.each(["", "01", "0x0", "0x0g", "0xzz", "1x00", " 0x00"])("rejects %j with InvalidHex", (input) => {
    expect(() => hexToBytes(input)).toThrow(MerkleError);
    try {
      hexToBytes(input);
    } catch (error) {
      expect((error as MerkleError).code).toBe("InvalidHex");
    }
  });
});
