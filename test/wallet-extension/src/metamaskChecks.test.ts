import { describe, expect, it } from "vitest";
import { bytesToHex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSignInMessage } from "../../../extension/src/lib/signInMessage.ts";
import { signInProblem, typedDataProblem } from "./metamaskChecks.ts";

const account = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const PEKANU_ID = "abcdefghijklmnopabcdefghijklmnop";
const hex = (text: string) => bytesToHex(new TextEncoder().encode(text));
const message = (domain: string) =>
  createSignInMessage({
    domain,
    address: account.address,
    statement: "Sign in to this Pekanu storage provider.",
    uri: "https://storage.example.com",
    chainId: 31337,
    nonce: "abcdefgh12345678",
    issuedAt: new Date("2026-01-01T00:00:00Z"),
    expirationTime: new Date("2026-01-01T00:10:00Z"),
  });

describe("the test wallet applies MetaMask's checks", () => {
  it("passes the extension's sign-in (domain = its id, the host of chrome-extension://<id>)", () => {
    expect(signInProblem({ origin: `chrome-extension://${PEKANU_ID}`, from: account.address, data: hex(message(PEKANU_ID)) })).toBeNull();
  });

  it("flags a sign-in whose domain is not the requesting origin's host (the provider's host, another extension)", () => {
    expect(signInProblem({ origin: `chrome-extension://${PEKANU_ID}`, from: account.address, data: hex(message("storage.example.com")) })).toMatch(/does not come from the site/);
    expect(signInProblem({ origin: `chrome-extension://${"b".repeat(32)}`, from: account.address, data: hex(message(PEKANU_ID)) })).toMatch(/does not come from the site/);
    expect(signInProblem({ origin: "https://evil.example", from: account.address, data: hex(message("storage.example.com")) })).toMatch(/does not come from the site/);
    // Another account than the one signing.
    expect(signInProblem({ origin: `chrome-extension://${PEKANU_ID}`, from: "0x0000000000000000000000000000000000000001", data: hex(message(PEKANU_ID)) })).toMatch(/names account/);
    // Not a sign-in message: nothing to compare.
    expect(signInProblem({ origin: "https://evil.example", from: account.address, data: hex("hello") })).toBeNull();
  });

  it("refuses typed data MetaMask's signer would not encode the same way", () => {
    const typed = {
      types: { EIP712Domain: [{ name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }], Mail: [{ name: "contents", type: "string" }] },
      primaryType: "Mail",
      domain: { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
      message: { contents: "hi" },
    };
    const parsed = { ...typed, domain: { chainId: 31337n, verifyingContract: typed.domain.verifyingContract } } as unknown as TypedDataDefinition;
    expect(typedDataProblem({ raw: JSON.stringify(typed), parsed })).toBeNull();
    expect(typedDataProblem({ raw: JSON.stringify({ ...typed, primaryType: undefined }), parsed })).toMatch(/lacks "primaryType"/);
    expect(typedDataProblem({ raw: JSON.stringify({ ...typed, domain: { ...typed.domain, verifyingContract: "0x1234" } }), parsed })).toMatch(/not an address/);
    expect(typedDataProblem({ raw: JSON.stringify({ ...typed, message: { contents: "changed" } }), parsed })).toMatch(/hashes differently/);
  });
});
