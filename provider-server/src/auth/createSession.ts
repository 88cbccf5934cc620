import { randomBytes } from "node:crypto";
import { type Address, getAddress, type Hex, verifyMessage } from "viem";
import { parseSiweMessage, validateSiweMessage } from "viem/siwe";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import { hashToken } from "./hashToken.ts";
import { checkNonce } from "./issueNonce.ts";
import { isAcceptedSiweDomain } from "./siweDomains.ts";

/**
 * Sign-In with Ethereum (EIP-4361): checks the message names this server (an accepted domain —
 * its host or an accepted extension id — its public URL's origin as uri, its chain), is within
 * its validity window, carries a nonce this server issued (HMAC) that is unexpired and unused, and is signed by the address it names (EOA signatures; smart-contract wallets are not
 * supported). Only then is the nonce consumed and an opaque bearer token issued; the database
 * keeps the token's hash.
 */
export async function createSession({
  ctx,
  message,
  signature,
}: {
  ctx: ServerContext;
  message: string;
  signature: Hex;
}): Promise<{ token: string; address: Address; expiresAt: number }> {
  const parsed = parseSiweMessage(message);
  if (!parsed.address || !parsed.nonce || !parsed.domain || !parsed.uri || parsed.chainId === undefined || !parsed.version) {
    throw new ApiError("SiweInvalid", "not an EIP-4361 sign-in message");
  }
  if (!isAcceptedSiweDomain({ accepted: ctx.siweDomains, domain: parsed.domain })) {
    const also = ctx.siweDomains.anyExtension ? " or a Chrome extension id" : "";
    throw new ApiError("SiweInvalid", `the message is for domain ${parsed.domain}, expected one of ${ctx.siweDomains.domains.join(", ")}${also}`);
  }
  let uriOrigin: string;
  try {
    uriOrigin = new URL(parsed.uri).origin;
  } catch {
    throw new ApiError("SiweInvalid", "the message's uri is not a URL");
  }
  if (uriOrigin !== new URL(ctx.config.publicBaseUrl).origin) {
    throw new ApiError("SiweInvalid", `the message's uri must be on ${new URL(ctx.config.publicBaseUrl).origin}`);
  }
  if (parsed.chainId !== ctx.chain.chainId) {
    throw new ApiError("SiweInvalid", `the message is for chain ${parsed.chainId}, this server is on chain ${ctx.chain.chainId}`);
  }
  const now = new Date();
  if (!validateSiweMessage({ message: parsed, domain: parsed.domain, time: now })) {
    throw new ApiError("SiweInvalid", "the message is expired, not yet valid, or malformed");
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const nonceExpiresAt = checkNonce({ ctx, nonce: parsed.nonce, now: nowSeconds });
  if (await ctx.store.auth.nonceUsed(parsed.nonce)) throw new ApiError("NonceInvalid", "nonce already used");

  let valid = false;
  try {
    valid = await verifyMessage({ address: parsed.address, message, signature });
  } catch {
    valid = false;
  }
  if (!valid) throw new ApiError("SiweInvalid", "the signature does not match the message's address");
  // Conditional update: of two racing requests with one nonce, exactly one wins.
  if (!(await ctx.store.auth.consumeNonce({ nonce: parsed.nonce, expiresAt: nonceExpiresAt, now: nowSeconds }))) {
    throw new ApiError("NonceInvalid", "nonce already used");
  }

  const token = randomBytes(32).toString("base64url");
  let expiresAt = nowSeconds + ctx.config.sessionTtlSeconds;
  if (parsed.expirationTime) expiresAt = Math.min(expiresAt, Math.floor(parsed.expirationTime.getTime() / 1000));
  const address = getAddress(parsed.address);
  await ctx.store.auth.addSession({ tokenHash: hashToken(token), address, createdAt: nowSeconds, expiresAt });
  ctx.log.info({ address }, "signed in");
  return { token, address, expiresAt };
}
