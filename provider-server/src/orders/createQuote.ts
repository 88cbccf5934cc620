import { type Quote, clampFine, quoteTypedData, serverContractAbi } from "@pekanu/protocol";
import { chunkCount } from "@pekanu/protocol/merkle";
import { randomBytes } from "node:crypto";
import { type Address, type Hex, toHex } from "viem";
import { ApiError } from "../ApiError.ts";
import { chainNow } from "../chain/chainNow.ts";
import type { ServerContext } from "../context.ts";
import { priceQuote } from "../pricing/priceQuote.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { pickChallengeIndices } from "./pickChallengeIndices.ts";

export type CreatedQuote = {
  quote: Quote;
  signature: Hex;
  deduplicated: boolean;
  ownershipChallenge: { indices: number[] } | null;
};

const DAY = 86_400;

/**
 * Seed steps 5–6: the "payable", an EIP-712 Quote signed by the signer key. Refuses what the
 * contract or the provider could not honour: unregistered clients, empty or oversized files,
 * storage periods outside the configured range, and fines the free stake cannot back right now.
 * When the file is already stored, the order is deduplicated and carries k chunk indices the
 * client must prove instead of uploading.
 */
export async function createQuote({
  ctx,
  client,
  fileRoot,
  size,
  storageDays,
}: {
  ctx: ServerContext;
  client: Address;
  fileRoot: Hex;
  size: number;
  storageDays: number;
}): Promise<CreatedQuote> {
  const { pricing } = ctx.config;
  // Empty files are refused: a zero-byte "file" costs the provider nothing to fake and the issue
  // lists size 0 among the bad inputs; the commitment itself would support it (one empty chunk).
  if (size === 0) throw new ApiError("QuoteRejected", "empty files are not accepted (size must be at least 1 byte)");
  if (size > pricing.maxFileSize) throw new ApiError("QuoteRejected", `files larger than ${pricing.maxFileSize} bytes are not accepted`);
  if (storageDays < pricing.minStorageDays || storageDays > pricing.maxStorageDays) {
    throw new ApiError("QuoteRejected", `storageDays must be between ${pricing.minStorageDays} and ${pricing.maxStorageDays}`);
  }

  const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
  let registered: boolean;
  let now: number;
  let head: bigint;
  let stake: readonly [bigint, bigint];
  try {
    [registered, now, head, stake] = await Promise.all([
      ctx.chain.publicClient.readContract({ ...contract, functionName: "isRegistered", args: [client] }),
      chainNow({ chain: ctx.chain }),
      ctx.chain.publicClient.getBlockNumber(),
      ctx.chain.publicClient.readContract({ ...contract, functionName: "stake" }),
    ]);
  } catch (error) {
    throw new ApiError("ChainUnavailable", "cannot reach the chain to prepare a quote", { cause: error });
  }
  if (!registered) throw new ApiError("NotRegistered", "register first: POST /v1/registrations");
  if (ctx.contract.signer.toLowerCase() !== ctx.chain.signer.address.toLowerCase()) {
    ctx.log.error({ contractSigner: ctx.contract.signer, serverSigner: ctx.chain.signer.address }, "signer key is not the contract's signer");
    throw new ApiError("QuoteRejected", "the provider is not accepting orders right now (signer key mismatch)");
  }

  const priced = priceQuote({ pricing, size, storageDays });
  const price = priced.price;
  // The contract refuses a fine below minFine (enforcement must pay) or above its caps.
  const fine = clampFine({ params: ctx.contract.params, price, fine: priced.fine });
  const [total, locked] = stake;
  if (fine > total - locked) throw new ApiError("QuoteRejected", "the provider's free stake cannot back the fine of this order now");

  const stored = await ctx.store.files.get(fileRoot);
  if (stored && stored.size !== size) {
    throw new ApiError("QuoteRejected", "the provider stores a file with this root but another size: the root or the size is wrong");
  }
  const deduplicated = stored !== undefined && (await ctx.blobs.has(fileRoot));
  // Indices already handed out and not yet proven are repeated: otherwise a client holding only part
  // of the file could ask for quotes until every index fell on chunks it has.
  const indices = deduplicated
    ? ((await ctx.store.orders.unansweredChallenge({ client, fileRoot })) ??
      pickChallengeIndices({ chunks: chunkCount(size), k: ctx.config.ownershipChallenges }))
    : null;

  const quote: Quote = {
    orderId: toHex(randomBytes(32)),
    client,
    fileRoot,
    size: BigInt(size),
    price,
    fine,
    storageUntil: BigInt(now + storageDays * DAY),
    expiresAt: BigInt(now + pricing.quoteTtlSeconds),
  };
  const signature = await ctx.chain.signer.signTypedData(quoteTypedData({ domain: ctx.domain, quote }));
  const order: OrderRecord = {
    orderId: quote.orderId,
    client,
    fileRoot,
    size,
    price,
    fine,
    storageUntil: Number(quote.storageUntil),
    expiresAt: Number(quote.expiresAt),
    quoteSignature: signature,
    // Wall-clock time of issue: the quote's time to live is counted from it (quoteExpired).
    quotedAt: Math.floor(Date.now() / 1000),
    quotedBlock: Number(head),
    deduplicated,
    challengeIndices: indices,
    paidTx: null,
    paidBlock: null,
    paidAt: null,
    chainState: null,
    settled: false,
    receipt: null,
  };
  await ctx.store.orders.insert(order);
  ctx.log.info({ orderId: quote.orderId, client, size, price: price.toString(), deduplicated }, "quote issued");
  return { quote, signature, deduplicated, ownershipChallenge: indices && { indices } };
}
