import { readFile } from "node:fs/promises";
import { type Hex, bytesToHex, hexToBytes } from "viem";
import { describe, expect, it } from "vitest";
import { serverContractDeployedBytecode, serverContractImmutableRanges } from "./contract/serverContractRuntime.ts";
import { isServerContractCode } from "./isServerContractCode.ts";

const withBytes = (edit: (bytes: Uint8Array) => void): Hex => {
  const bytes = hexToBytes(serverContractDeployedBytecode);
  edit(bytes);
  return bytesToHex(bytes);
};

describe("isServerContractCode", () => {
  it("accepts the compiled code with any immutables filled in", () => {
    expect(isServerContractCode(serverContractDeployedBytecode)).toBe(true);
    const filled = withBytes((b) => {
      for (const [start, length] of serverContractImmutableRanges) b.fill(0xab, start, start + length);
    });
    expect(isServerContractCode(filled)).toBe(true);
  });

  it("refuses any other code: a byte changed outside the immutables, shorter or longer code, no code", () => {
    const firstGap = serverContractImmutableRanges[0]![0] - 1;
    expect(isServerContractCode(withBytes((b) => (b[firstGap] ^= 1)))).toBe(false);
    expect(isServerContractCode(withBytes((b) => (b[b.length - 1] ^= 1)))).toBe(false);
    expect(isServerContractCode(serverContractDeployedBytecode.slice(0, -2) as Hex)).toBe(false);
    expect(isServerContractCode(`${serverContractDeployedBytecode}00`)).toBe(false);
    expect(isServerContractCode("0x")).toBe(false);
    expect(isServerContractCode(undefined)).toBe(false);
  });

  it("matches the compiled artifact", async () => {
    const artifactUrl = new URL("../../artifacts/contracts/src/ServerContract.sol/ServerContract.json", import.meta.url);
    const artifact = JSON.parse(await readFile(artifactUrl, "utf8"));
    expect(serverContractDeployedBytecode).toBe(artifact.deployedBytecode);
  });
});
