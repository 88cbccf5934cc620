import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256 } from "./sha256.ts";

const nodeHex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const ourHex = (data: Uint8Array) => Buffer.from(sha256(data)).toString("hex");

describe("sha256 (pure TypeScript)", () => {
  it("matches the FIPS 180-4 examples", () => {
    const ascii = (s: string) => new TextEncoder().encode(s);
    expect(ourHex(ascii(""))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(ourHex(ascii("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(ourHex(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    expect(ourHex(new Uint8Array(1_000_000).fill(0x61))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("equals node:crypto for every length 0..5000 (random content)", () => {
    const pool = randomBytes(5000);
    for (let length = 0; length <= 5000; length++) {
      const data = new Uint8Array(pool.buffer, pool.byteOffset, length);
      const ours = ourHex(data);
      if (ours !== nodeHex(data)) expect.fail(`length ${length}: ${ours} != ${nodeHex(data)}`);
    }
  });

  it("equals node:crypto on fresh random inputs, views with an offset, Buffers and large inputs", () => {
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(Math.floor(Math.random() * 5001));
      expect(ourHex(data)).toBe(nodeHex(data));
      const offset = Math.floor(Math.random() * 64);
      const view = new Uint8Array(data.buffer, data.byteOffset + Math.min(offset, data.length), Math.max(0, data.length - offset));
      expect(ourHex(view)).toBe(nodeHex(view));
    }
    const big = randomBytes(3 * 1024 * 1024 + 17);
    expect(ourHex(big)).toBe(nodeHex(big));
  });

  it("returns a new array each call", () => {
    const a = sha256(new Uint8Array([1]));
    const b = sha256(new Uint8Array([2]));
    expect(a).not.toBe(b);
    expect(Buffer.from(a).toString("hex")).toBe(nodeHex(new Uint8Array([1])));
  });
});
