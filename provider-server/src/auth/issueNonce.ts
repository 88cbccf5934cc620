import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";

const RANDOM_BYTES = 12;
const MAC_BYTES = 16;

const mac = (key: Uint8Array, body: Buffer) => createHmac("sha256", key).update(body).digest().subarray(0, MAC_BYTES);

/**
 * A fresh single-use SIWE nonce that needs no server-side table: hex of expiry (6 bytes, seconds)
 * ‖ 96 random bits ‖ the first 128 bits of HMAC-SHA256(server key, expiry ‖ random). Anyone may ask
 * for as many as they like (only the per-IP sign-in rate limit applies), and none of them takes
 * space until it is used; see `checkNonce`.
 */
export function issueNonce({ ctx }: { ctx: ServerContext }): { nonce: string; expiresAt: number } {
  const expiresAt = Math.floor(Date.now() / 1000) + ctx.config.nonceTtlSeconds;
  const body = Buffer.alloc(6 + RANDOM_BYTES);
  body.writeUIntBE(expiresAt, 0, 6);
  randomBytes(RANDOM_BYTES).copy(body, 6);
  return { nonce: Buffer.concat([body, mac(ctx.nonceKey, body)]).toString("hex"), expiresAt };
}

/**
 * Checks that `nonce` was issued by this server (its key) and is unexpired; returns its expiry.
 * Single use is enforced by the caller recording it as used until that expiry: the replay set
 * holds only nonces of successful sign-ins, and only until they expire.
 */
export function checkNonce({ ctx, nonce, now }: { ctx: ServerContext; nonce: string; now: number }): number {
  const bytes = /^[0-9a-f]+$/.test(nonce) && nonce.length === 2 * (6 + RANDOM_BYTES + MAC_BYTES) ? Buffer.from(nonce, "hex") : undefined;
  if (!bytes) throw new ApiError("NonceInvalid", "unknown nonce; request one from /v1/auth/nonce");
  const body = bytes.subarray(0, 6 + RANDOM_BYTES);
  if (!timingSafeEqual(bytes.subarray(6 + RANDOM_BYTES), mac(ctx.nonceKey, body))) {
    throw new ApiError("NonceInvalid", "unknown nonce; request one from /v1/auth/nonce");
  }
  const expiresAt = body.readUIntBE(0, 6);
  if (expiresAt <= now) throw new ApiError("NonceInvalid", "nonce expired");
  return expiresAt;
}
