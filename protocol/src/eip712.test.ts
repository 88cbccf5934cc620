import { readFile } from "node:fs/promises";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { type Quote, quoteTypes, receiptFor, receiptTypes } from "./eip712.ts";
import { PekanuError } from "./errors.ts";
import { quoteTypedData, receiptTypedData } from "./typedData.ts";
import { verifyQuote } from "./verifyQuote.ts";
import { verifyReceipt } from "./verifyReceipt.ts";

const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const stranger = privateKeyToAccount("0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");
const domain = { chainId: 31337, verifyingContract: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
const quote: Quote = {
  orderId: keccak256(toHex("order")),
  client: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  fileRoot: keccak256(toHex("root")),
  size: 4096n,
  price: 10n ** 16n,
  fine: 5n * 10n ** 16n,
  storageUntil: 2_000_000_000n,
  expiresAt: 1_900_000_000n,
};
const link = "http://127.0.0.1:8787/v1/files/0xabc";

// EIP-712 encodeType for structs without nested struct members.
const encodeType = ({ primaryType, types }: { primaryType: string; types: Record<string, readonly { name: string; type: string }[]> }) =>
  `${primaryType}(${types[primaryType]!.map((f) => `${f.type} ${f.name}`).join(",")})`;

describe("EIP-712 definitions", () => {
  it("match the type strings the contract hashes", async () => {
    const source = await readFile(new URL("../../contracts/src/ServerContract.sol", import.meta.url), "utf8");
    expect(source).toContain(`"${encodeType({ primaryType: "Quote", types: quoteTypes })}"`);
    expect(source).toContain(`"${encodeType({ primaryType: "Receipt", types: receiptTypes })}"`);
  });

  it("verifies σ signed by the provider's signer", async () => {
    const receipt = receiptFor({ quote, link });
    const signature = await provider.signTypedData(receiptTypedData({ domain, receipt }));
    expect(() => verifyReceipt({ domain, receipt, signature, signer: provider.address })).not.toThrow();
  });

  it("rejects σ signed by another key, naming that key", async () => {
    const receipt = receiptFor({ quote, link });
    const signature = await stranger.signTypedData(receiptTypedData({ domain, receipt }));
    const check = () => verifyReceipt({ domain, receipt, signature, signer: provider.address });
    expect(check).toThrow(PekanuError);
    expect(check).toThrow(`σ was signed by ${stranger.address}`);
  });

  it("rejects σ for another link, chain or contract", async () => {
    const receipt = receiptFor({ quote, link });
    const signature = await provider.signTypedData(receiptTypedData({ domain, receipt }));
    const variants = [
      { domain, receipt: { ...receipt, link: `${link}x` } },
      { domain: { ...domain, chainId: 1 }, receipt },
      { domain: { ...domain, verifyingContract: stranger.address }, receipt },
    ];
    for (const v of variants) {
      expect(() => verifyReceipt({ ...v, signature, signer: provider.address })).toThrow(/ReceiptSignerMismatch|σ was signed/);
    }
  });

  it("rejects malformed signatures with a typed error", () => {
    const receipt = receiptFor({ quote, link });
    for (const signature of ["0x", `0x${"00".repeat(65)}`, `0x${"11".repeat(64)}1d`] as const) {
      expect(() => verifyReceipt({ domain, receipt, signature, signer: provider.address })).toThrow(PekanuError);
    }
  });

  it("verifies a quote and rejects an altered one", async () => {
    const signature = await provider.signTypedData(quoteTypedData({ domain, quote }));
    expect(() => verifyQuote({ domain, quote, signature, signer: provider.address })).not.toThrow();
    expect(() => verifyQuote({ domain, quote: { ...quote, price: 1n }, signature, signer: provider.address })).toThrow(
      /quote was signed by/,
    );
  });
});
