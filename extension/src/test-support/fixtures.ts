// Test fixtures: a provider signer with a known private key (Hardhat's well-known account #1 — a
// public test key, never used for value), and helpers that sign quotes and receipts like the
// provider server does.
import { quoteTypedData, receiptFor, receiptTypedData, type Quote } from "@pekanu/protocol";
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex, QuoteJson } from "../lib/flow.ts";
import { recordKey, searchTextOf, type VaultRecord } from "../lib/vault/schema.ts";
import { quoteToJson } from "../lib/vault/verify.ts";

export const providerSigner = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
export const otherSigner = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
export const client = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
export const chainId = 31337;
export const contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address;
export const domain = { chainId, verifyingContract: contract };

export function orderIdOf(n: number): Hex {
  return `0x${n.toString(16).padStart(64, "0")}` as Hex;
}

export function makeQuote(n: number, overrides: Partial<Quote> = {}): Quote {
  return {
    orderId: orderIdOf(n),
    client,
    fileRoot: `0x${(n + 0xabc).toString(16).padStart(64, "a")}` as Hex,
    size: 5000n + BigInt(n),
    price: 1_000_000_000_000_000n,
    fine: 3_000_000_000_000_000n,
    storageUntil: 2_000_000_000n,
    expiresAt: 1_900_000_000n,
    ...overrides,
  };
}

export async function signQuote(quote: Quote, signer = providerSigner): Promise<Hex> {
  return signer.signTypedData(quoteTypedData({ domain, quote }));
}

export async function signReceipt(quote: Quote, link: string, signer = providerSigner): Promise<Hex> {
  return signer.signTypedData(receiptTypedData({ domain, receipt: receiptFor({ quote, link }) }));
}

export function linkOf(quote: Quote): string {
  return `http://127.0.0.1:8788/v1/files/${quote.fileRoot}`;
}

export async function makeRecord(n: number, options: { signer?: typeof providerSigner; withSigma?: boolean } = {}): Promise<VaultRecord> {
  const quote = makeQuote(n);
  const json: QuoteJson = quoteToJson(quote);
  const link = linkOf(quote);
  const withSigma = options.withSigma ?? true;
  const signer = options.signer ?? providerSigner;
  const record: VaultRecord = {
    key: recordKey(chainId, contract, quote.orderId),
    chainId,
    contract,
    orderId: quote.orderId,
    client,
    fileRoot: quote.fileRoot,
    size: Number(quote.size),
    quote: json,
    quoteSignature: await signQuote(quote, signer),
    link: withSigma ? link : null,
    signature: withSigma ? await signReceipt(quote, link, signer) : null,
    signer: providerSigner.address,
    verification: { status: "verified", by: "chain", at: 1 },
    fileName: `file-${n}.bin`,
    mimeType: "application/octet-stream",
    providerUrl: "http://127.0.0.1:8788",
    deduplicated: false,
    payTxHash: orderIdOf(n + 1_000_000),
    payBlock: 10 + n,
    paymentStatus: "mined",
    createdAt: 1_700_000_000_000 + n * 1000,
    updatedAt: 1_700_000_000_000 + n * 1000,
    chain: null,
    actions: [],
    audits: [],
    searchText: "",
  };
  record.searchText = searchTextOf(record);
  return record;
}
