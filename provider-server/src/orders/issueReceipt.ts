import { fileLink, orderStateName, receiptFor, receiptTypedData, type ReceiptResponse, serverContractAbi } from "@pekanu/protocol";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";

/** On-chain states in which the order is paid and still waits for (or has) its delivery. */
const deliverable = new Set(["Paid", "DeliveryDisputed", "Settled"]);

/**
 * Seed step 13: σ, the signer's EIP-712 Receipt over the order's terms and the link L. Issued once
 * per order: a repeated call returns the σ already stored. Before signing, the order's state is
 * read from the chain itself (not the event follower's copy, which lags by a poll): σ is signed only
 * for an order the chain says is paid and deliverable right now — never for one refunded,
 * penalized or completed meanwhile — and not at all when the chain cannot be read.
 */
export async function issueReceipt({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<ReceiptResponse> {
  if (!order.receipt) {
    let state: string;
    try {
      const [value] = await ctx.chain.publicClient.readContract({
        address: ctx.deployment.address,
        abi: serverContractAbi,
        functionName: "orderOf",
        args: [order.orderId],
      });
      state = orderStateName(value);
    } catch (error) {
      throw new ApiError("ChainUnavailable", "cannot read the order on chain to issue the receipt", { cause: error });
    }
    if (!deliverable.has(state)) {
      ctx.log.warn({ orderId: order.orderId, state }, "receipt refused: the order is not deliverable on chain");
      throw new ApiError("Conflict", `the order is ${state} on chain: no receipt is issued`);
    }
    const link = fileLink({ baseUrl: ctx.config.publicBaseUrl, fileRoot: order.fileRoot });
    const receipt = receiptFor({ quote: quoteOf(order), link });
    const signature = await ctx.chain.signer.signTypedData(receiptTypedData({ domain: ctx.domain, receipt }));
    await ctx.store.orders.setReceipt({
      orderId: order.orderId,
      receipt: { link, signature, signer: ctx.chain.signer.address, issuedAt: Math.floor(Date.now() / 1000) },
    });
    ctx.log.info({ orderId: order.orderId, fileRoot: order.fileRoot, deduplicated: order.deduplicated }, "receipt issued");
  }
  const stored = (await ctx.store.orders.get(order.orderId))!.receipt!;
  return { orderId: order.orderId, link: stored.link, signature: stored.signature, signer: stored.signer, deduplicated: order.deduplicated };
}
