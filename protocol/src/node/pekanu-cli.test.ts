// Spawns protocol/bin/pekanu.js (plain JS importing the TypeScript sources via Node's type stripping).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fileRootOf } from "../merkle/fileRootOf.ts";
import { inclusionProof } from "../merkle/inclusionProof.ts";
import { leafHash } from "../merkle/leafHash.ts";
import { splitChunks } from "../merkle/splitChunks.ts";
import { randomFile } from "../merkle/test/reference.ts";

const bin = fileURLToPath(new URL("../../bin/pekanu.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pekanu-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = randomFile(5000);
const file = join(dir, "data.bin");
writeFileSync(file, bytes);
const emptyFile = join(dir, "empty.bin");
writeFileSync(emptyFile, new Uint8Array(0));

function pekanu(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("pekanu CLI", () => {
  it("root prints root, size and chunks", () => {
    const root = fileRootOf(bytes);
    const text = pekanu("root", file);
    expect(text.status).toBe(0);
    expect(text.stdout).toBe(`root    ${root}\nsize    5000\nchunks  5\n`);
    const json = pekanu("root", file, "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ file, root, size: 5000, chunks: 5 });
    expect(JSON.parse(pekanu("root", emptyFile, "--json").stdout)).toMatchObject({ root: fileRootOf(new Uint8Array(0)), size: 0, chunks: 1 });
  });

  it("prove prints the chunk's proof", () => {
    const chunks = splitChunks(bytes);
    const proof = inclusionProof({ chunks, index: 3 });
    const json = pekanu("prove", file, "3", "--json");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      file,
      root: fileRootOf(bytes),
      size: 5000,
      chunks: 5,
      index: 3,
      chunkLength: 1024,
      leafHash: leafHash(chunks[3]!),
      proof,
      chunk: `0x${Buffer.from(chunks[3]!).toString("hex")}`,
    });
    const text = pekanu("prove", file, "4");
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`index   4 (904 bytes)`);
    for (const p of inclusionProof({ chunks, index: 4 })) expect(text.stdout).toContain(`  ${p}\n`);
  });

  it("--help", () => {
    const help = pekanu("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("pekanu root FILE");
    expect(help.stdout).toContain("pekanu prove FILE INDEX");
  });

  it("job: --help lists the steps; without PEKANU_KEY a command is a usage error (exit 2), the key never a flag", () => {
    const help = pekanu("job", "--help");
    expect(help.status).toBe(0);
    for (const step of ["store FILE", "quote A_ROOT B_ROOT", "pay JOB.json", "status JOB_ID", "fetch JOB_ID OUT", "fraud JOB.json", "withdraw"]) expect(help.stdout).toContain(`pekanu job ${step}`);
    const result = spawnSync(process.execPath, [bin, "job", "status", `0x${"11".repeat(32)}`], { encoding: "utf8", env: { ...process.env, PEKANU_KEY: "" } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("set PEKANU_KEY");
  });

  it("exits 1 for a missing or unreadable file", () => {
    const missing = pekanu("root", join(dir, "nope"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("no such file");
    expect(pekanu("prove", join(dir, "nope"), "0").status).toBe(1);
    expect(pekanu("root", dir).stderr).toContain("is a directory");
    expect(pekanu("root", dir).status).toBe(1);
  });

  it.each([
    [[]],
    [["frob"]],
    [["root"]],
    [["root", file, "extra"]],
    [["root", file, "--bogus"]],
    [["prove", file]],
    [["prove", file, "abc"]],
    [["prove", file, "1.5"]],
    [["prove", file, "-1"]],
    [["prove", file, "5"]],
    [["prove", file, "1", "2"]],
  ])("exits 2 for bad arguments %j", (args) => {
    const result = pekanu(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^pekanu: /);
    expect(result.stdout).toBe("");
  });
});
