import { quoteRequest, quoteResponse } from "@pekanu/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../ApiError.ts";
import { createRateLimiter } from "../auth/createRateLimiter.ts";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import type { ServerContext } from "../context.ts";
import { createQuote } from "../orders/createQuote.ts";

/** POST /v1/quotes: seed steps 5–6. */
export function quoteRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Per session: quotes are signed (CPU) and stored (disk), so one session cannot ask for unlimited.
  const limiter = createRateLimiter({ capacity: ctx.config.quoteBurst, refillPerSecond: ctx.config.quotesPerMinute / 60 });
  const limit = async (request: FastifyRequest) => {
    const decision = limiter.take(sessionOf(request).address);
    if (!decision.ok) {
      throw new ApiError("RateLimited", `too many quotes; retry in ${decision.retryAfterSeconds} s`, {
        headers: { "retry-after": String(decision.retryAfterSeconds) },
      });
    }
  };
  r.post(
    "/v1/quotes",
    { onRequest: [authenticate({ ctx }), limit], schema: { security: [{ bearer: [] }], summary: "a signed quote for {fileRoot, size, storageDays}", body: quoteRequest, response: { 200: quoteResponse } } },
    async (request) => {
      const { address } = sessionOf(request);
      return createQuote({ ctx, client: address, ...request.body });
    },
  );
}
