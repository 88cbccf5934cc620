import { nonceResponse, sessionRequest, sessionResponse } from "@pekanu/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { ApiError } from "../ApiError.ts";
import { createRateLimiter } from "../auth/createRateLimiter.ts";
import { createSession } from "../auth/createSession.ts";
import { issueNonce } from "../auth/issueNonce.ts";
import type { ServerContext } from "../context.ts";
import { clientAddressKey } from "../http/clientAddressKey.ts";

/**
 * Sign-In with Ethereum: a nonce, then a session for a signed EIP-4361 message. Nonces are
 * stateless (HMAC-signed, time-bound), so asking for them fills no table and locks nobody out. Both
 * routes share one token bucket per client address (IPv6: per /64; checked before the body is
 * read), so nobody can burn CPU on signature recovery; over the limit the answer is 429
 * RateLimited with Retry-After.
 */
export function authRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const limiter = createRateLimiter({ capacity: ctx.config.authBurst, refillPerSecond: ctx.config.authPerMinute / 60 });
  const limit = async (request: FastifyRequest) => {
    const decision = limiter.take(clientAddressKey(request.ip));
    if (!decision.ok) {
      request.log.warn({ ip: request.ip, url: request.url }, "sign-in rate limit hit");
      throw new ApiError("RateLimited", `too many sign-in requests; retry in ${decision.retryAfterSeconds} s`, {
        headers: { "retry-after": String(decision.retryAfterSeconds) },
      });
    }
  };
  r.get("/v1/auth/nonce", { onRequest: limit, schema: { summary: "a single-use SIWE nonce (stateless, HMAC-signed, expires)", response: { 200: nonceResponse } } }, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return issueNonce({ ctx });
  });
  r.post("/v1/auth/session", { onRequest: limit, schema: { summary: "a session (bearer token) for a signed EIP-4361 message", body: sessionRequest, response: { 200: sessionResponse } } }, async (request, reply) => {
    reply.header("cache-control", "no-store");
    return createSession({ ctx, message: request.body.message, signature: request.body.signature });
  });
}
