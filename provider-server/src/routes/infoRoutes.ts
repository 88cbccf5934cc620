import { clientContractAbi, infoResponse, orderStates } from "@pekanu/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { computeKernels } from "../compute/computeKernels.ts";
import type { ServerContext } from "../context.ts";
import { renderStatusPage } from "../status/renderStatusPage.ts";
import { type StatusSnapshot, statusSnapshot } from "../status/statusSnapshot.ts";

/** How long one status snapshot (two RPC reads) serves every caller. */
const STATUS_CACHE_MS = 5_000;

/** GET /v1/info (seed step 4's contract details), the operator's status page and JSON, /healthz. */
export function infoRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get("/v1/info", { schema: { summary: "chain, contract, signer, pricing, windows, SIWE domains, order states, client-facing ABI", response: { 200: infoResponse } } }, async () => {
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
      siwe: {
        domains: ctx.siweDomains.domains,
        anyExtensionId: ctx.siweDomains.anyExtension,
        uriOrigin: new URL(ctx.config.publicBaseUrl).origin,
        chainId: ctx.chain.chainId,
      },
      orderStates: [...orderStates],
      compute: ctx.compute && {
        contract: ctx.compute.address,
        chainId: ctx.chain.chainId,
        signer: ctx.compute.signer,
        kernels: computeKernels.map((kernel) => ({ ...kernel })),
        pricePerGigaMulAdd: ctx.config.compute.pricePerGigaMulAdd.toString(),
        minPrice: ctx.config.compute.minPrice.toString(),
        maxMulAdds: ctx.config.compute.maxMulAdds,
      },
      abi: clientContractAbi as unknown as unknown[],
    };
  });

  // The snapshot makes RPC calls: it is computed at most once per STATUS_CACHE_MS whoever asks.
  let cached: { at: number; value: Promise<StatusSnapshot> } | undefined;
  const snapshot = () => {
    const now = Date.now();
    if (!cached || now - cached.at >= STATUS_CACHE_MS) {
      const value = statusSnapshot({ ctx });
      cached = { at: now, value };
      value.catch(() => (cached = undefined));
    }
    return cached.value;
  };

  r.get("/v1/status", { schema: { summary: "operator status (JSON, cached 5 s)" } }, async (_request, reply) => {
    reply.header("cache-control", `public, max-age=${STATUS_CACHE_MS / 1000}`);
    return snapshot();
  });

  r.get("/", { schema: { summary: "operator status page (HTML)" } }, async (_request, reply) => {
    const html = renderStatusPage(await snapshot());
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .header("cache-control", "no-store")
      .send(html);
  });

  r.get("/healthz", { schema: { summary: "liveness" } }, async () => {
    const follower = ctx.follower.status();
    return { ok: true, chainReachable: follower.healthy, lastProcessedBlock: follower.lastProcessedBlock };
  });
}
