import { randomBytes } from "node:crypto";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";

/**
 * A fresh single-use SIWE nonce (128 random bits as hex: EIP-4361 wants ≥ 8 alphanumerics). At
 * most `maxLiveNonces` unused, unexpired nonces exist at once: beyond that the request is refused
 * (429) until sign-ins use them up or they expire, so the table cannot be grown without bound.
 */
export function issueNonce({ ctx }: { ctx: ServerContext }): { nonce: string; expiresAt: number } {
  const now = Math.floor(Date.now() / 1000);
  ctx.store.auth.prune(now);
  if (ctx.store.auth.liveNonces(now) >= ctx.config.maxLiveNonces) {
    const retryAfter = Math.min(60, ctx.config.nonceTtlSeconds);
    ctx.log.warn({ limit: ctx.config.maxLiveNonces }, "too many live sign-in nonces: refusing new ones");
    throw new ApiError("RateLimited", "too many sign-ins in progress; retry shortly", { headers: { "retry-after": String(retryAfter) } });
  }
  const nonce = randomBytes(16).toString("hex");
  const expiresAt = now + ctx.config.nonceTtlSeconds;
  ctx.store.auth.addNonce({ nonce, expiresAt });
  return { nonce, expiresAt };
}
