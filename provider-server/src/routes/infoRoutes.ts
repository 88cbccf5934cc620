import { infoResponse, serverContractAbi } from "@pekanu/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { ServerContext } from "../context.ts";
import { renderStatusPage } from "../status/renderStatusPage.ts";
import { statusSnapshot } from "../status/statusSnapshot.ts";

/** GET /v1/info (seed step 4's contract details), the operator's status page and JSON, /healthz. */
export function infoRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get("/v1/info", { schema: { response: { 200: infoResponse } } }, async () => {
    const { pricing } = ctx.config;
    return {
      version: ctx.version,
      chainId: ctx.chain.chainId,
      contract: { address: ctx.deployment.address, deployBlock: ctx.deployment.deployBlock },
      owner: ctx.contract.owner,
      signer: ctx.contract.signer,
      pricing: {
        weiPerMiBDay: pricing.weiPerMiBDay.toString(),
        minPrice: pricing.minPrice.toString(),
        fineMultiplier: pricing.fineMultiplier,
        quoteTtlSeconds: pricing.quoteTtlSeconds,
        minStorageDays: pricing.minStorageDays,
        maxStorageDays: pricing.maxStorageDays,
        maxFileSize: pricing.maxFileSize,
      },
      params: {
        settleDelay: ctx.contract.params.settleDelay.toString(),
        responseWindow: ctx.contract.params.responseWindow.toString(),
        challengeCooldown: ctx.contract.params.challengeCooldown.toString(),
        challengeBond: ctx.contract.params.challengeBond.toString(),
        maxChallengeChunks: ctx.contract.params.maxChallengeChunks.toString(),
        bondMarginPercent: ctx.contract.params.bondMarginPercent.toString(),
        minFine: ctx.contract.params.minFine.toString(),
        maxFine: ctx.contract.params.maxFine.toString(),
        maxFineMultiple: ctx.contract.params.maxFineMultiple.toString(),
        fineLockLimit: ctx.contract.params.fineLockLimit.toString(),
        fineLockPeriod: ctx.contract.params.fineLockPeriod.toString(),
      },
      registration: { policy: ctx.config.registration.policy },
      ownershipChallenges: ctx.config.ownershipChallenges,
      abi: serverContractAbi as unknown as unknown[],
    };
  });

  r.get("/v1/status", async () => statusSnapshot({ ctx }));

  r.get("/", async (_request, reply) => {
    const html = renderStatusPage(await statusSnapshot({ ctx }));
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'")
      .header("cache-control", "no-store")
      .send(html);
  });

  r.get("/healthz", async () => {
    const follower = ctx.follower.status();
    return { ok: true, chainReachable: follower.healthy, lastProcessedBlock: follower.lastProcessedBlock };
  });
}
