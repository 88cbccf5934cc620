import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { serverContractAbi } from "./serverContractAbi.ts";

// The ABI the server and extension import must be the one of the compiled contract (`npm test`
// compiles first). A stale copy fails here: run `npm run abi:sync`.
describe("serverContractAbi", () => {
  it("matches the compiled ServerContract artifact", async () => {
    const artifactUrl = new URL("../../../artifacts/contracts/src/ServerContract.sol/ServerContract.json", import.meta.url);
    const artifact = JSON.parse(await readFile(artifactUrl, "utf8"));
    expect(serverContractAbi).toEqual(artifact.abi);
  });

  it("ships the compiled bytecode", async () => {
    const { serverContractBytecode } = await import("./serverContractBytecode.ts");
    const artifactUrl = new URL("../../../artifacts/contracts/src/ServerContract.sol/ServerContract.json", import.meta.url);
    const artifact = JSON.parse(await readFile(artifactUrl, "utf8"));
    expect(serverContractBytecode).toBe(artifact.bytecode);
  });
});

describe("computeContractAbi", () => {
  it("matches the compiled ComputeContract artifact, ABI and bytecode", async () => {
    const { computeContractAbi } = await import("./computeContractAbi.ts");
    const { computeContractBytecode } = await import("./computeContractBytecode.ts");
    const artifactUrl = new URL("../../../artifacts/contracts/src/ComputeContract.sol/ComputeContract.json", import.meta.url);
    const artifact = JSON.parse(await readFile(artifactUrl, "utf8"));
    expect(computeContractAbi).toEqual(artifact.abi);
    expect(computeContractBytecode).toBe(artifact.bytecode);
  });
});
