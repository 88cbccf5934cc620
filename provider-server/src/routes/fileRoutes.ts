import { AUDIT_BATCH_CONTENT_TYPE, auditBatchQuery, auditResponse, encodeAuditBatch, zBytes32 } from "@pekanu/protocol";
import { chunkCount } from "@pekanu/protocol/node";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Hex } from "viem";
import { z } from "zod";
import { ApiError } from "../ApiError.ts";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import { authenticateShare } from "../auth/authenticateShare.ts";
import { proveStoredChunk } from "../blobs/proveStoredChunk.ts";
import { proveStoredChunks } from "../blobs/proveStoredChunks.ts";
import type { ServerContext } from "../context.ts";
import { parseRange } from "../files/parseRange.ts";

// Strict bytes32 hex: nothing else ever reaches the file system, so no traversal is possible.
const fileParams = z.object({ fileRoot: zBytes32 }).strict();
const downloadQuery = z.object({ share: z.string().max(200).optional() }).strict();
const auditQuery = z.object({ index: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }).strict();

/**
 * The caller may read a file only while it holds an order with σ for it, or when it is the result
 * of one of its compute jobs (signed receipt); returns the blob's size.
 */
async function readableBlob({ ctx, request, fileRoot }: { ctx: ServerContext; request: FastifyRequest; fileRoot: Hex }): Promise<number> {
  const client = sessionOf(request).address;
  if (!(await ctx.store.orders.clientHoldsReceipt({ client, fileRoot })) && !(ctx.compute && (await ctx.store.jobs.clientOwnsResult({ client, fileRoot })))) {
    throw new ApiError("Forbidden", "you hold no stored order for this file");
  }
  const size = await ctx.blobs.size(fileRoot);
  if (size === undefined) {
    ctx.log.error({ fileRoot }, "blob missing for a file with receipts");
    throw new ApiError("NotFound", "the file is missing");
  }
  return size;
}

/**
 * GET {L}: download with HTTP Range — by the file's owner (a session), or by anyone holding the
 * owner's share link (`?share=`, see authenticateShare) — and the free off-chain audit (chunk +
 * inclusion proof, owner only).
 */
export function fileRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const auth = authenticate({ ctx });

  const authOrShare = authenticateShare({ ctx });

  r.get("/v1/files/:fileRoot", { onRequest: authOrShare, schema: { security: [{ bearer: [] }, {}], summary: "download (L), with HTTP Range; ?share=<expiresAt>.<signature> for a share link", params: fileParams, querystring: downloadQuery } }, async (request, reply) => {
    const { fileRoot } = request.params;
    const size = await readableBlob({ ctx, request, fileRoot });
    const range = parseRange({ header: request.headers.range, size });
    if (range === "unsatisfiable") {
      throw new ApiError("RangeNotSatisfiable", `the file has ${size} bytes`, { headers: { "content-range": `bytes */${size}` } });
    }
    reply
      .type("application/octet-stream")
      .header("accept-ranges", "bytes")
      .header("etag", `"${fileRoot}"`)
      .header("cache-control", "private, max-age=31536000, immutable");
    if (range === undefined) {
      reply.header("content-length", size);
      return reply.send(await ctx.blobs.read({ fileRoot }));
    }
    reply
      .code(206)
      .header("content-range", `bytes ${range.start}-${range.end}/${size}`)
      .header("content-length", range.end - range.start + 1);
    return reply.send(await ctx.blobs.read({ fileRoot, start: range.start, end: range.end }));
  });

  r.get(
    "/v1/files/:fileRoot/audit",
    { onRequest: auth, schema: { security: [{ bearer: [] }], summary: "free audit: one chunk with its inclusion proof", params: fileParams, querystring: auditQuery, response: { 200: auditResponse } } },
    async (request) => {
      const { fileRoot } = request.params;
      const size = await readableBlob({ ctx, request, fileRoot });
      const { index } = request.query;
      const chunks = chunkCount(size);
      if (index >= chunks) throw new ApiError("BadRequest", `index must be below ${chunks}, the file's chunk count`);
      const proof = await proveStoredChunk({ blobs: ctx.blobs, fileRoot, index });
      if (proof.root !== fileRoot) {
        ctx.log.error({ fileRoot, actual: proof.root }, "blob does not match its root");
        throw new ApiError("Internal", "the stored file is damaged");
      }
      return { fileRoot, size: BigInt(size), index, chunk: Buffer.from(proof.chunk).toString("base64"), proof: proof.proof };
    },
  );

  r.get(
    "/v1/files/:fileRoot/audit-batch",
    {
      onRequest: auth,
      schema: {
        security: [{ bearer: [] }],
        summary: "free audit of several chunks: binary (application/octet-stream), one deduplicated proof",
        description:
          "indices: up to 64 strictly increasing chunk indices, comma-separated. Answer (big-endian): \"PKA1\" | u64 size | u16 n | u16 m | n × u64 index | the n chunks (1024 bytes, the last chunk the rest) | m × 32-byte subtree hashes in the order of @pekanu/protocol's multiProofRanges. Verify with verifyMultiProof against the committed root and size.",
        params: fileParams,
        querystring: auditBatchQuery,
      },
    },
    async (request, reply) => {
      const { fileRoot } = request.params;
      const size = await readableBlob({ ctx, request, fileRoot });
      const { indices } = request.query;
      const chunks = chunkCount(size);
      if (indices[indices.length - 1]! >= chunks) throw new ApiError("BadRequest", `indices must be below ${chunks}, the file's chunk count`);
      const proven = await proveStoredChunks({ blobs: ctx.blobs, fileRoot, indices });
      if (proven.root !== fileRoot) {
        ctx.log.error({ fileRoot, actual: proven.root }, "blob does not match its root");
        throw new ApiError("Internal", "the stored file is damaged");
      }
      const body = encodeAuditBatch({ size, indices, chunks: proven.chunks, proof: proven.proof });
      reply.type(AUDIT_BATCH_CONTENT_TYPE).header("cache-control", "no-store").header("content-length", body.length);
      return reply.send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    },
  );
}
