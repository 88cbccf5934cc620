import { clientContractAbi, registrationRequest, registrationResponse } from "@pekanu/protocol";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { authenticate, sessionOf } from "../auth/authenticate.ts";
import type { ServerContext } from "../context.ts";
import { registerClient } from "../registration/registerClient.ts";

/** POST /v1/registrations: seed steps 2–4 for the signed-in address. */
export function registrationRoutes({ app, ctx }: { app: FastifyInstance; ctx: ServerContext }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    "/v1/registrations",
    { onRequest: authenticate({ ctx }), schema: { security: [{ bearer: [] }], summary: "register the signed-in address on chain (body optional)", body: registrationRequest.nullish(), response: { 200: registrationResponse } } },
    async (request) => {
      const { address } = sessionOf(request);
      const result = await registerClient({ ctx, address, inviteCode: request.body?.inviteCode });
      return {
        address,
        alreadyRegistered: result.alreadyRegistered,
        txHash: result.txHash,
        chainId: ctx.chain.chainId,
        contractAddress: ctx.deployment.address,
        deployBlock: ctx.deployment.deployBlock,
        abi: clientContractAbi as unknown as unknown[],
      };
    },
  );
}
