import { zBytes32 } from "@pekanu/protocol";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Readable } from "node:stream";
import type { Hex } from "viem";
import { z } from "zod";
import { ApiError } from "../ApiError.ts";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import type { ServerContext } from "../context.ts";
import { readUploadOffset } from "../orders/readUploadOffset.ts";
import { receiveUploadPatch } from "../orders/receiveUploadPatch.ts";
import { requireConfirmedPayment } from "../orders/requireConfirmedPayment.ts";
import type { OrderRecord } from "../store/orderStore.ts";

const TUS_VERSION = "1.0.0";
const OFFSET_TYPE = "application/offset+octet-stream";
const orderParams = z.object({ orderId: zBytes32 }).strict();

async function ownOrder({ ctx, request, orderId }: { ctx: ServerContext; request: FastifyRequest; orderId: Hex }): Promise<OrderRecord> {
  const order = await ctx.store.orders.get(orderId);
  if (!order) throw new ApiError("NotFound", "no such order");
  if (order.client !== sessionOf(request).address) throw new ApiError("Forbidden", "this order belongs to another client");
  return order;
}

const tusHeaders = (reply: FastifyReply) => reply.header("tus-resumable", TUS_VERSION).header("cache-control", "no-store");

/**
 * Resumable uploads: the tus 1.0.0 core protocol on the order's content URL (HEAD for the offset,
 * PATCH to append from it, OPTIONS for the server's capabilities). The upload resource exists as
 * soon as the order is paid; its length is the quoted size. `PUT` stays for single-request uploads.
 */
export function resumableUploadRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const auth = authenticate({ ctx });
  // PATCH bodies are streamed to the handler (size and root checked on the fly).
  app.addContentTypeParser(OFFSET_TYPE, (_request, payload, done) => done(null, payload));

  r.options("/v1/orders/:orderId/content", { schema: { params: orderParams } }, async (_request, reply) => {
    tusHeaders(reply)
      .header("tus-version", TUS_VERSION)
      .header("tus-max-size", String(ctx.config.pricing.maxFileSize))
      .header("allow", "HEAD, PATCH, PUT, OPTIONS")
      .code(204);
    return reply.send();
  });

  r.head("/v1/orders/:orderId/content", { preHandler: auth, schema: { params: orderParams } }, async (request, reply) => {
    const order = await ownOrder({ ctx, request, orderId: request.params.orderId });
    tusHeaders(reply)
      .header("upload-offset", String(await readUploadOffset({ ctx, order })))
      .header("upload-length", String(order.size))
      .code(200);
    return reply.send();
  });

  r.patch("/v1/orders/:orderId/content", { preHandler: auth, schema: { params: orderParams } }, async (request, reply) => {
    tusHeaders(reply);
    // Any refusal before the body was read closes the connection instead of draining it.
    const refuse = (error: ApiError) => {
      reply.header("connection", "close");
      return error;
    };
    if (request.headers["tus-resumable"] !== TUS_VERSION) {
      reply.header("tus-version", TUS_VERSION);
      throw refuse(new ApiError("BadRequest", `send Tus-Resumable: ${TUS_VERSION}`, { status: 412 }));
    }
    const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== OFFSET_TYPE) throw refuse(new ApiError("BadRequest", `send the bytes as ${OFFSET_TYPE}`, { status: 415 }));
    const offsetHeader = request.headers["upload-offset"];
    if (typeof offsetHeader !== "string" || !/^\d{1,15}$/.test(offsetHeader)) {
      throw refuse(new ApiError("BadRequest", "Upload-Offset must be a non-negative integer"));
    }
    const offset = Number(offsetHeader);
    const order = await ownOrder({ ctx, request, orderId: request.params.orderId });
    const declared = request.headers["content-length"];
    if (declared !== undefined && offset + Number(declared) > order.size) {
      throw refuse(new ApiError("SizeMismatch", `offset ${offset} plus ${declared} bytes exceed the quoted ${order.size} bytes`));
    }
    if (order.receipt) {
      // Complete already: the same σ as the PUT answer, to a client that asks at the end.
      if (offset !== order.size) {
        throw refuse(new ApiError("Conflict", "the content is complete", { headers: { "upload-offset": String(order.size) } }));
      }
      const { link, signature, signer } = order.receipt;
      reply.header("upload-offset", String(order.size));
      return { orderId: order.orderId, link, signature, signer, deduplicated: order.deduplicated };
    }
    if (order.deduplicated) {
      // The provider already stores the file: the client proves ownership (PUT JSON) or uploads with PUT.
      throw refuse(new ApiError("Conflict", "the provider already stores this file: answer the ownership challenge with PUT"));
    }
    try {
      await requireConfirmedPayment({ ctx, order });
    } catch (error) {
      throw error instanceof ApiError ? refuse(error) : error;
    }
    const raw = request.body as Readable;
    // A sender that goes quiet for uploadStallMs is cut off: what arrived is kept, the order released.
    let idle: NodeJS.Timeout | undefined;
    const stop = (reason: string) => raw.destroy(new Error(reason));
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => stop(`no bytes for ${ctx.config.uploadStallMs} ms`), ctx.config.uploadStallMs);
    };
    async function* watched(): AsyncIterable<Uint8Array> {
      armIdle();
      for await (const piece of raw) {
        armIdle();
        yield piece as Uint8Array;
      }
    }
    try {
      const outcome = await receiveUploadPatch({ ctx, order, offset, body: watched(), stop });
      reply.header("upload-offset", String(outcome.offset));
      if (outcome.kind === "complete") return outcome.receipt;
      return reply.code(204).send();
    } catch (error) {
      reply.header("connection", "close");
      throw error;
    } finally {
      clearTimeout(idle);
    }
  });
}
