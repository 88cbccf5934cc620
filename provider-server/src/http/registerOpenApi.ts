import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { createJsonSchemaTransform } from "fastify-type-provider-zod";
import { z } from "zod";

type JsonSchemaOverrideContext = { zodSchema: unknown; jsonSchema: Record<string, unknown> };

/**
 * A field of api.ts is a codec whose wire form is its input side (a decimal string, 0x-hex) and
 * whose output side is a bigint or a branded string, which JSON Schema cannot express. Answers
 * are encoded back to the wire form, so an answer's schema is the codec's input side too.
 */
function wireFormOfCodecs(ctx: JsonSchemaOverrideContext) {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string; in?: z.ZodType } } })._zod?.def;
  if (def?.type !== "pipe" || !def.in) return;
  const wire = z.toJSONSchema(def.in, { target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
  delete wire.$schema;
  for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
  Object.assign(ctx.jsonSchema, wire);
}

/**
 * Collects every route into an OpenAPI 3.1 document (@fastify/swagger), its request and answer
 * schemas generated from the zod schemas of `protocol/src/api.ts` the routes validate with
 * (fastify-type-provider-zod). Must be registered before the routes.
 */
export async function registerOpenApi({ app, version, serverUrl }: { app: FastifyInstance; version: string; serverUrl: string }) {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Pekanu provider server",
        version,
        description:
          "The storage provider's HTTP API. JSON carries uint64/uint256 as decimal strings and bytes as 0x-hex; every error is {error: {code, message}}. " +
          "Authenticated routes take `Authorization: Bearer <token>` (scheme name in any case) with the token of POST /v1/auth/session (Sign-In with Ethereum).",
      },
      servers: [{ url: serverUrl }],
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "session token from POST /v1/auth/session" } } },
    },
    transform: createJsonSchemaTransform({ zodToJsonConfig: { override: wireFormOfCodecs as never } }),
  });
}
