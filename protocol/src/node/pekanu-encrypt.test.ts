// `pekanu encrypt` / `pekanu decrypt` through the real CLI (spawned), on real files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decryptBytes } from "../encryption/decryptBytes.ts";
import { deriveConvergentKey } from "../encryption/deriveConvergentKey.ts";
import { encryptedSize } from "../encryption/encryptedSize.ts";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { hexToBytes } from "../merkle/hexToBytes.ts";
import { nodeSha256 } from "./nodeSha256.ts";

const bin = fileURLToPath(new URL("../../bin/pekanu.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pekanu-enc-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const S = 1 << 16; // the default segment size
const plaintext = new Uint8Array(2.5 * S); // three 64 KiB segments, the last one half full
for (let i = 0; i < plaintext.length; i += 65536) crypto.getRandomValues(plaintext.subarray(i, i + 65536));
const file = join(dir, "data.bin");
writeFileSync(file, plaintext);
const copy = join(dir, "copy.bin");
writeFileSync(copy, plaintext);
const keyHex = `0x${"5a".repeat(32)}`;
const key = hexToBytes(keyHex);

function pekanu(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const json = (...args: string[]) => {
  const result = pekanu(...args, "--json");
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
};
const rootOf = (path: string) => fileRootOf(readFileSync(path), { sha256: nodeSha256 });
const noPartials = () => expect(readdirSync(dir).filter((name) => name.endsWith(".partial"))).toEqual([]);

describe("pekanu encrypt / decrypt", () => {
  it("encrypt --key prints the ciphertext's root, which `pekanu root` and a decrypt agree on", async () => {
    const out = join(dir, "data.pkne");
    const text = pekanu("encrypt", file, out, "--key", keyHex);
    expect(text.status).toBe(0);
    const ciphertext = readFileSync(out);
    const root = rootOf(out);
    expect(ciphertext.length).toBe(encryptedSize({ plaintextSize: plaintext.length }));
    expect(text.stdout).toBe(
      `root       ${root}\nsize       ${ciphertext.length}\nchunks     ${Math.ceil(ciphertext.length / 1024)}\nplaintext  ${plaintext.length} bytes\nmode       private\n`,
    );
    expect(text.stdout).not.toContain("5a5a"); // a key the user gave is not echoed
    expect(JSON.parse(pekanu("root", out, "--json").stdout).root).toBe(root);
    expect(await decryptBytes({ key, ciphertext })).toEqual(plaintext);

    const back = join(dir, "data.back");
    const decrypted = json("decrypt", out, back, "--key", keyHex.slice(2).toUpperCase());
    expect(decrypted).toEqual({ file: out, out: back, mode: "private", root, size: ciphertext.length, chunks: Math.ceil(ciphertext.length / 1024), plaintextSize: plaintext.length });
    expect(readFileSync(back)).toEqual(Buffer.from(plaintext));
    noPartials();
  });

  it("private mode: the same file twice under one key gives different roots", () => {
    const a = json("encrypt", file, join(dir, "p1"), "--key", keyHex);
    const b = json("encrypt", file, join(dir, "p2"), "--key", keyHex);
    expect(a.root).not.toBe(b.root);
  });

  it("convergent mode: two copies give the same ciphertext, root and printed key; the key decrypts", () => {
    const a = json("encrypt", file, join(dir, "c1"), "--convergent");
    const b = json("encrypt", copy, join(dir, "c2"), "--convergent");
    expect(a.mode).toBe("convergent");
    expect(b.root).toBe(a.root);
    expect(b.key).toBe(a.key);
    expect(readFileSync(join(dir, "c2"))).toEqual(readFileSync(join(dir, "c1")));
    expect(hexToBytes(a.key)).toEqual(deriveConvergentKey({ plaintextRoot: fileRootOf(plaintext, { sha256: nodeSha256 }) }));
    const back = join(dir, "c.back");
    expect(json("decrypt", join(dir, "c1"), back, "--key", a.key).root).toBe(a.root);
    expect(readFileSync(back)).toEqual(Buffer.from(plaintext));
  });

  describe("a bad key or a damaged file: exit 1, a specific error, and no output file (an existing one untouched)", () => {
    const encrypted = join(dir, "victim.pkne");
    pekanu("encrypt", file, encrypted, "--key", keyHex);
    const good = readFileSync(encrypted);
    const segment = (i: number) => 100 + i * (S + 16);

    it.each([
      ["wrong key", (b: Buffer) => b, `0x${"11".repeat(32)}`, /WrongKey: wrong key/],
      ["a flipped bit in segment 1", (b: Buffer) => ((b[segment(1) + 12345]! ^= 4), b), keyHex, /SegmentTampered: segment 1 failed/],
      ["a flipped bit in the last segment's tag", (b: Buffer) => ((b[b.length - 1]! ^= 1), b), keyHex, /SegmentTampered: segment 2 failed/],
      ["the last segment cut off", (b: Buffer) => b.subarray(0, segment(2)), keyHex, /Truncated: .*segment 2 of 3 is missing/],
      ["segments 0 and 1 swapped", (b: Buffer) => Buffer.concat([b.subarray(0, 100), b.subarray(segment(1), segment(2)), b.subarray(segment(0), segment(1)), b.subarray(segment(2))]), keyHex, /SegmentOutOfOrder: segment 0 holds segment 1/],
      ["the plaintext size in the header changed", (b: Buffer) => ((b[19]! ^= 1), b), keyHex, /HeaderTampered/],
      ["not an encrypted file", () => Buffer.from(plaintext), keyHex, /NotEncrypted/],
    ] as const)("%s", (_, damage, useKey, message) => {
      const damaged = join(dir, "damaged.pkne");
      writeFileSync(damaged, damage(Buffer.from(good)));
      const out = join(dir, "must-not-exist");
      const result = pekanu("decrypt", damaged, out, "--key", useKey);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe("");
      expect(existsSync(out)).toBe(false);
      // an existing output is not replaced
      const existing = join(dir, "existing.txt");
      writeFileSync(existing, "keep me");
      expect(pekanu("decrypt", damaged, existing, "--key", useKey).status).toBe(1);
      expect(readFileSync(existing, "utf8")).toBe("keep me");
      noPartials();
    });
  });

  it("--help lists encrypt and decrypt", () => {
    const help = pekanu("--help");
    expect(help.stdout).toContain("pekanu encrypt FILE OUT --key HEX");
    expect(help.stdout).toContain("pekanu decrypt FILE OUT --key HEX");
  });

  it.each([
    [["encrypt", file]],
    [["encrypt", file, join(dir, "x")]],
    [["encrypt", file, join(dir, "x"), "--key", "abcd"]],
    [["encrypt", file, join(dir, "x"), "--key", keyHex, "--convergent"]],
    [["encrypt", file, join(dir, "x"), "extra", "--convergent"]],
    [["decrypt", file, join(dir, "x")]],
    [["decrypt", file, join(dir, "x"), "--convergent"]],
    [["decrypt", file, join(dir, "x"), "--key", `0x${"zz".repeat(32)}`]],
  ])("exits 2 for bad arguments %j", (args) => {
    const result = pekanu(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^pekanu: /);
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("exits 1 for a missing input", () => {
    const result = pekanu("encrypt", join(dir, "nope"), join(dir, "y"), "--key", keyHex);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("no such file");
    noPartials();
  });
});
