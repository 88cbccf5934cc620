import { orderResponse, ordersQuery, ordersResponse, ownershipProofRequest, receiptResponse, zBytes32 } from "@pekanu/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Readable } from "node:stream";
import type { Hex } from "viem";
import { z } from "zod";
import { ApiError } from "../ApiError.ts";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import type { ServerContext } from "../context.ts";
import { orderView } from "../orders/orderView.ts";
import { readOrderStatus, storedPayment } from "../orders/readOrderStatus.ts";
import { receiveUpload } from "../orders/receiveUpload.ts";
import { requireConfirmedPayment } from "../orders/requireConfirmedPayment.ts";
import { verifyOwnershipProof } from "../orders/verifyOwnershipProof.ts";
import type { OrderRecord } from "../store/orderStore.ts";

const orderParams = z.object({ orderId: zBytes32 }).strict();

/** The caller's order, or NotFound / Forbidden. */
async function ownOrder({ ctx, request, orderId }: { ctx: ServerContext; request: FastifyRequest; orderId: Hex }): Promise<OrderRecord> {
  const order = await ctx.store.orders.get(orderId);
  if (!order) throw new ApiError("NotFound", "no such order");
  if (order.client !== sessionOf(request).address) throw new ApiError("Forbidden", "this order belongs to another client");
  return order;
}

/** Orders: status (seed steps 10–11) and content (steps 12–13). */
export function orderRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const auth = authenticate({ ctx });

  r.get(
    "/v1/orders",
    { onRequest: auth, schema: { security: [{ bearer: [] }], summary: "the signed-in client's orders, newest first", querystring: ordersQuery, response: { 200: ordersResponse } } },
    async (request) => {
      const { address } = sessionOf(request);
      const now = Math.floor(Date.now() / 1000);
      const orders = (await ctx.store.orders.listByClient({ client: address, limit: request.query.limit }))
        .map((order) => orderView({ order, payment: storedPayment({ ctx, order }), chainState: order.chainState, now, ttlSeconds: ctx.config.pricing.quoteTtlSeconds }))
        .filter((view) => request.query.status === undefined || view.status === request.query.status);
      return { orders };
    },
  );

  r.get(
    "/v1/orders/:orderId",
    { onRequest: auth, schema: { security: [{ bearer: [] }], summary: "one order: payment, confirmations, on-chain state", params: orderParams, response: { 200: orderResponse } } },
    async (request) => readOrderStatus({ ctx, order: await ownOrder({ ctx, request, orderId: request.params.orderId }) }),
  );

  r.put(
    "/v1/orders/:orderId/content",
    { onRequest: auth, bodyLimit: ctx.config.proofBodyLimit, schema: { security: [{ bearer: [] }], summary: "upload the content (octet-stream) or prove ownership (JSON); answers σ and L", params: orderParams, response: { 200: receiptResponse } } },
    async (request, reply) => {
      const order = await ownOrder({ ctx, request, orderId: request.params.orderId });
      const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
      const isUpload = type === "application/octet-stream";
      if (!isUpload && type !== "application/json") {
        throw new ApiError("BadRequest", "send the content as application/octet-stream or an ownership proof as application/json", { status: 415 });
      }
      // Idempotent: once σ exists, any further PUT answers the same σ (the body is not read).
      if (order.receipt) {
        if (isUpload) reply.header("connection", "close");
        const { link, signature, signer } = order.receipt;
        return { orderId: order.orderId, link, signature, signer, deduplicated: order.deduplicated };
      }
      let proof;
      if (!isUpload) {
        const parsed = ownershipProofRequest.safeParse(request.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new ApiError("BadRequest", `invalid ownership proof: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "malformed"}`);
        }
        proof = parsed.data;
      } else {
        const declared = request.headers["content-length"];
        if (declared !== undefined && Number(declared) !== order.size) {
          reply.header("connection", "close");
          throw new ApiError("SizeMismatch", `Content-Length is ${declared}, the quote is for ${order.size} bytes`);
        }
      }
      if (ctx.busyOrders.has(order.orderId)) {
        if (isUpload) reply.header("connection", "close");
        throw new ApiError("Conflict", "content for this order is already being received");
      }
      ctx.busyOrders.set(order.orderId, {
        startedAt: Date.now(),
        abort: (reason) => {
          request.log.warn({ orderId: order.orderId, reason }, "upload aborted");
          const error = Object.assign(new Error(`upload aborted: ${reason}`), { code: "PEKANU_UPLOAD_ABORTED" });
          request.raw.destroy(error);
          request.raw.socket.destroy();
        },
      });
      try {
        await requireConfirmedPayment({ ctx, order });
        if (proof) return await verifyOwnershipProof({ ctx, order, body: proof });
        return await receiveUpload({ ctx, order, body: request.body as Readable });
      } catch (error) {
        // An upload refused before its end is not drained: close the connection instead.
        if (isUpload) reply.header("connection", "close");
        throw error;
      } finally {
        ctx.busyOrders.delete(order.orderId);
      }
    },
  );
}
