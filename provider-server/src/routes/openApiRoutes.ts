import { errorBody, ownershipProofRequest } from "@pekanu/protocol";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ServerContext } from "../context.ts";

const CONTENT_PATH = "/v1/orders/{orderId}/content";

type Operation = { responses?: Record<string, unknown>; requestBody?: unknown; security?: unknown };

/**
 * GET /v1/openapi.json: the document @fastify/swagger collected from every route, completed with
 * what a route schema cannot say: the error answer of every operation, and the two bodies of the
 * content upload (octet-stream bytes, or a JSON ownership proof).
 */
export function openApiRoutes({ app }: { app: FastifyInstance; ctx: ServerContext }) {
  let document: Record<string, unknown> | undefined;
  const build = () => {
    const doc = structuredClone(app.swagger()) as { paths: Record<string, Record<string, Operation>>; components: { schemas?: Record<string, unknown> } };
    const error = z.toJSONSchema(errorBody, { target: "draft-2020-12" }) as Record<string, unknown>;
    delete error.$schema;
    doc.components.schemas = { ...doc.components.schemas, Error: error };
    for (const operations of Object.values(doc.paths)) {
      for (const operation of Object.values(operations)) {
        operation.responses ??= {};
        operation.responses.default = {
          description: "an error: 400/405/408/413/415/431 malformed, 401 not signed in, 403, 404, 409, 410, 416, 422, 429 (Retry-After), 503",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        };
      }
    }
    const put = doc.paths[CONTENT_PATH]?.put;
    if (put) {
      const proof = z.toJSONSchema(ownershipProofRequest, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
      delete proof.$schema;
      put.requestBody = {
        required: true,
        content: {
          "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream", description: "the file's bytes, exactly the quoted size" } },
          "application/json": { schema: proof },
        },
      };
    }
    return doc;
  };
  app.get("/v1/openapi.json", { schema: { summary: "this document", tags: ["meta"] } }, async (_request, reply) => {
    document ??= build();
    reply.header("cache-control", "public, max-age=300");
    return document;
  });
}
