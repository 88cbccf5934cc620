import { quoteRequest, quoteResponse } from "@pekanu/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import type { ServerContext } from "../context.ts";
import { createQuote } from "../orders/createQuote.ts";

/** POST /v1/quotes: seed steps 5–6. */
export function quoteRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    "/v1/quotes",
    { preHandler: authenticate({ ctx }), schema: { body: quoteRequest, response: { 200: quoteResponse } } },
    async (request) => {
      const { address } = sessionOf(request);
      return createQuote({ ctx, client: address, ...request.body });
    },
  );
}
