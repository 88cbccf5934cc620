import type { OrderResponse } from "@pekanu/protocol";
import type { PaymentView } from "../chain/lookupPayment.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";

/** The status a client sees: stored (σ issued) > paid (payment seen) > expired (quote lapsed) > quoted. */
export function orderStatus({ order, payment, now }: { order: OrderRecord; payment: PaymentView | null; now: number }): OrderResponse["status"] {
  if (order.receipt) return "stored";
  if (payment || order.paidTx) return "paid";
  if (now > order.expiresAt) return "expired";
  return "quoted";
}

/** An order as GET /v1/orders answers it (the shape of `orderResponse`, before encoding). */
export function orderView({
  order,
  payment,
  chainState,
  now,
}: {
  order: OrderRecord;
  payment: PaymentView | null;
  chainState: string | null;
  now: number;
}): OrderResponse {
  return {
    orderId: order.orderId,
    status: orderStatus({ order, payment, now }),
    quote: quoteOf(order),
    deduplicated: order.deduplicated,
    payment,
    chainState,
    receipt: order.receipt && { link: order.receipt.link, signature: order.receipt.signature },
  };
}
