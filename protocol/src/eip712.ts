// The EIP-712 messages of the protocol: one definition used by the contract tests, the provider
// server and the extension. The contract's Solidity type strings must match these (tested).
import type { Address, Hex, TypedDataDomain } from "viem";

export const EIP712_NAME = "Pekanu";
export const EIP712_VERSION = "1";

export const quoteTypes = {
  Quote: [
    { name: "orderId", type: "bytes32" },
    { name: "client", type: "address" },
    { name: "fileRoot", type: "bytes32" },
    { name: "size", type: "uint64" },
    { name: "price", type: "uint256" },
    { name: "fine", type: "uint256" },
    { name: "storageUntil", type: "uint64" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

export const receiptTypes = {
  Receipt: [
    { name: "orderId", type: "bytes32" },
    { name: "client", type: "address" },
    { name: "fileRoot", type: "bytes32" },
    { name: "size", type: "uint64" },
    { name: "storageUntil", type: "uint64" },
    { name: "link", type: "string" },
  ],
} as const;

/** The provider's offer for one order: the "payable" of seed step 6. */
export type Quote = {
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: bigint;
  price: bigint;
  fine: bigint;
  storageUntil: bigint;
  expiresAt: bigint;
};

/** σ's message: the provider acknowledges storing `fileRoot` for the order, reachable at `link` (L). */
export type Receipt = {
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: bigint;
  storageUntil: bigint;
  link: string;
};

export type PekanuDomain = {
  chainId: number;
  verifyingContract: Address;
};

/** The domain binds every signature to one chain and one ServerContract. */
export function pekanuDomain({ chainId, verifyingContract }: PekanuDomain): TypedDataDomain {
  return { name: EIP712_NAME, version: EIP712_VERSION, chainId, verifyingContract };
}

/** σ covers the order's terms plus the link; everything but the link comes from the quote. */
export function receiptFor({ quote, link }: { quote: Quote; link: string }): Receipt {
  return {
    orderId: quote.orderId,
    client: quote.client,
    fileRoot: quote.fileRoot,
    size: quote.size,
    storageUntil: quote.storageUntil,
    link,
  };
}
