import { randomBytes } from "node:crypto";
import type { ServerContext } from "../context.ts";

/** A fresh single-use SIWE nonce (128 random bits as hex: EIP-4361 wants ≥ 8 alphanumerics). */
export function issueNonce({ ctx }: { ctx: ServerContext }): { nonce: string; expiresAt: number } {
  const now = Math.floor(Date.now() / 1000);
  ctx.store.auth.prune(now);
  const nonce = randomBytes(16).toString("hex");
  const expiresAt = now + ctx.config.nonceTtlSeconds;
  ctx.store.auth.addNonce({ nonce, expiresAt });
  return { nonce, expiresAt };
}
