import { jobQuoteRequest, jobQuoteResponse, jobResponse, jobsResponse } from "@pekanu/protocol/compute";
import { zBytes32 } from "@pekanu/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ApiError } from "../ApiError.ts";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import { createRateLimiter } from "../auth/createRateLimiter.ts";
import { createJobQuote } from "../compute/createJobQuote.ts";
import { jobView } from "../compute/jobView.ts";
import type { ServerContext } from "../context.ts";

const jobParams = z.object({ jobId: zBytes32 }).strict();
const jobsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** Compute jobs: POST /v1/jobs/quotes, GET /v1/jobs/:jobId, GET /v1/jobs (404 when compute is off). */
export function jobRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Runs before authentication: without compute the routes do not exist for anyone.
  const computeOn = async () => {
    if (!ctx.compute) throw new ApiError("NotFound", "this provider runs no compute jobs");
  };
  const auth = authenticate({ ctx });
  const limiter = createRateLimiter({ capacity: ctx.config.quoteBurst, refillPerSecond: ctx.config.quotesPerMinute / 60 });
  const limit = async (request: FastifyRequest) => {
    const decision = limiter.take(sessionOf(request).address);
    if (!decision.ok) {
      throw new ApiError("RateLimited", `too many quotes; retry in ${decision.retryAfterSeconds} s`, { headers: { "retry-after": String(decision.retryAfterSeconds) } });
    }
  };

  r.post(
    "/v1/jobs/quotes",
    {
      onRequest: [computeOn, auth, limit],
      schema: { security: [{ bearer: [] }], summary: "a signed JobQuote for a kernel on two of your stored matrix files", body: jobQuoteRequest, response: { 200: jobQuoteResponse } },
    },
    async (request) => createJobQuote({ ctx, client: sessionOf(request).address, ...request.body }),
  );

  r.get(
    "/v1/jobs/:jobId",
    { onRequest: [computeOn, auth], schema: { security: [{ bearer: [] }], summary: "a job's state, progress, quote and receipt (the job's client only)", params: jobParams, response: { 200: jobResponse } } },
    async (request) => {
      const job = await ctx.store.jobs.get(request.params.jobId);
      // Another client's job is answered like an unknown one: job ids are not disclosed.
      if (!job || job.quote.client.toLowerCase() !== sessionOf(request).address.toLowerCase()) throw new ApiError("NotFound", "no such job of yours");
      return jobView({ job, progress: ctx.compute!.queue.progress(job.quote.jobId) });
    },
  );

  r.get(
    "/v1/jobs",
    { onRequest: [computeOn, auth], schema: { security: [{ bearer: [] }], summary: "your jobs, newest first", querystring: jobsQuery, response: { 200: jobsResponse } } },
    async (request) => {
      const jobs = await ctx.store.jobs.listByClient({ client: sessionOf(request).address, limit: request.query.limit });
      return { jobs: jobs.map((job) => jobView({ job, progress: ctx.compute!.queue.progress(job.quote.jobId) })) };
    },
  );
}
