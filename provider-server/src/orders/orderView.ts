import type { OrderResponse, OrderState } from "@pekanu/protocol";
import type { PaymentView } from "../chain/lookupPayment.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";
import { quoteExpired } from "./quoteExpired.ts";

/** The status a client sees: stored (σ issued) > paid (payment seen) > expired (quote lapsed) > quoted. */
export function orderStatus({ order, payment, now, ttlSeconds }: { order: OrderRecord; payment: PaymentView | null; now: number; ttlSeconds?: number }): OrderResponse["status"] {
  if (order.receipt) return "stored";
  if (payment || order.paidTx) return "paid";
  if (quoteExpired({ order, chainNow: now, ttlSeconds: ttlSeconds ?? order.expiresAt - order.quotedAt })) return "expired";
  return "quoted";
}

/** An order as GET /v1/orders answers it (the shape of `orderResponse`, before encoding). */
export function orderView({
  order,
  payment,
  chainState,
  now,
  ttlSeconds,
}: {
  order: OrderRecord;
  payment: PaymentView | null;
  chainState: string | null;
  now: number;
  /** The quote time to live (config); the order's own expiresAt - quotedAt otherwise. */
  ttlSeconds?: number;
}): OrderResponse {
  return {
    orderId: order.orderId,
    status: orderStatus({ order, payment, now, ttlSeconds }),
    quote: quoteOf(order),
    deduplicated: order.deduplicated,
    payment,
    chainState: chainState as OrderState | null,
    receipt: order.receipt && { link: order.receipt.link, signature: order.receipt.signature },
  };
}
