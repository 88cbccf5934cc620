import { describe, expect, it } from "vitest";
import { clientContractAbi, clientEventNames, clientFunctionNames } from "./clientContractAbi.ts";
import { serverContractAbi } from "./serverContractAbi.ts";

describe("clientContractAbi", () => {
  it("names only functions and events the contract has, and keeps every one of them", () => {
    const names = (type: string, abi: readonly { type: string; name?: string }[]) => abi.filter((i) => i.type === type).map((i) => i.name);
    for (const name of clientFunctionNames) expect(names("function", clientContractAbi), name).toContain(name);
    for (const name of clientEventNames) expect(names("event", clientContractAbi), name).toContain(name);
  });

  it("leaves out owner-only and provider functions", () => {
    const functions = clientContractAbi.filter((i) => i.type === "function").map((i) => (i as { name: string }).name);
    for (const name of ["registerClient", "registerClients", "deregisterClient", "refund", "respondStorage", "depositStake", "withdrawStake", "rotateSigner", "transferOwnership", "settle", "release", "publishReceipt"]) {
      expect(functions).not.toContain(name);
    }
    expect(clientContractAbi.filter((i) => i.type === "error").length).toBe(serverContractAbi.filter((i) => i.type === "error").length);
  });
});
