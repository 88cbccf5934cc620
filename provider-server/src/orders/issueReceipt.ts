import { fileLink, receiptFor, receiptTypedData, type ReceiptResponse } from "@pekanu/protocol";
import type { ServerContext } from "../context.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";

/**
 * Seed step 13: σ, the signer's EIP-712 Receipt over the order's terms and the link L. Issued once
 * per order: a repeated call returns the σ already stored.
 */
export async function issueReceipt({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<ReceiptResponse> {
  if (!order.receipt) {
    const link = fileLink({ baseUrl: ctx.config.publicBaseUrl, fileRoot: order.fileRoot });
    const receipt = receiptFor({ quote: quoteOf(order), link });
    const signature = await ctx.chain.signer.signTypedData(receiptTypedData({ domain: ctx.domain, receipt }));
    ctx.store.orders.setReceipt({
      orderId: order.orderId,
      receipt: { link, signature, signer: ctx.chain.signer.address, issuedAt: Math.floor(Date.now() / 1000) },
    });
    ctx.log.info({ orderId: order.orderId, fileRoot: order.fileRoot, deduplicated: order.deduplicated }, "receipt issued");
  }
  const stored = ctx.store.orders.get(order.orderId)!.receipt!;
  return { orderId: order.orderId, link: stored.link, signature: stored.signature, signer: stored.signer, deduplicated: order.deduplicated };
}
