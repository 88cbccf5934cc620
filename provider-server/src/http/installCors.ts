import type { FastifyInstance } from "fastify";
import { isAcceptedExtensionOrigin, type SiweDomains } from "../auth/siweDomains.ts";

/** Paths the extension calls from its own origin; the operator's pages and documents are not among them. */
const notForExtensions = new Set(["/v1/status", "/v1/openapi.json"]);

/**
 * CORS only for what the Pekanu extension needs: the `/v1` API (not the status page, `/v1/status`
 * or the OpenAPI document), for the origin `chrome-extension://<id>` of an accepted extension id
 * (the same ids SIWE accepts), echoed with `Vary: Origin`. Bearer tokens, not cookies, carry
 * authority, so no credentials mode is needed. Other origins get no CORS headers at all.
 */
export function installCors({ app, accepted }: { app: FastifyInstance; accepted: SiweDomains }) {
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-content-type-options", "nosniff");
    const path = request.url.split("?")[0]!;
    if (!path.startsWith("/v1/") || notForExtensions.has(path)) return;
    reply.header("vary", "origin");
    const origin = request.headers.origin;
    if (!origin || !isAcceptedExtensionOrigin({ accepted, origin })) return;
    reply.header("access-control-allow-origin", origin);
    reply.header("access-control-expose-headers", "content-range, accept-ranges, content-length, retry-after, upload-offset, upload-length, tus-resumable");
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      return reply
        .header("access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, OPTIONS")
        .header("access-control-allow-headers", "authorization, content-type, range, upload-offset, upload-length, tus-resumable")
        .header("access-control-max-age", "600")
        .code(204)
        .send();
    }
  });
}
