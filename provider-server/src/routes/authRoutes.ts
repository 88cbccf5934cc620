import { nonceResponse, sessionRequest, sessionResponse } from "@pekanu/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { createSession } from "../auth/createSession.ts";
import { issueNonce } from "../auth/issueNonce.ts";
import type { ServerContext } from "../context.ts";

/** Sign-In with Ethereum: a nonce, then a session for a signed EIP-4361 message. */
export function authRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get("/v1/auth/nonce", { schema: { response: { 200: nonceResponse } } }, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return issueNonce({ ctx });
  });
  r.post("/v1/auth/session", { schema: { body: sessionRequest, response: { 200: sessionResponse } } }, async (request, reply) => {
    reply.header("cache-control", "no-store");
    return createSession({ ctx, message: request.body.message, signature: request.body.signature });
  });
}
