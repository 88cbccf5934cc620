import type { FastifyRequest } from "fastify";
import type { Address } from "viem";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import { hashToken } from "./hashToken.ts";

export type Session = { address: Address; expiresAt: number };

const sessions = new WeakMap<FastifyRequest, Session>();

/**
 * An onRequest hook that requires `Authorization: Bearer <token>` of a live session (the scheme
 * name in any case, RFC 7235). It runs before any body is read: a request without a session is
 * answered 401 and its connection closed, its body never parsed.
 */
export function authenticate({ ctx }: { ctx: ServerContext }) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) throw new ApiError("Unauthenticated", "sign in first: Authorization: Bearer <token> is missing");
    const match = /^bearer +([A-Za-z0-9_-]{16,128}) *$/i.exec(header);
    if (!match) throw new ApiError("Unauthenticated", "malformed Authorization header");
    const session = await ctx.store.auth.findSession({ tokenHash: hashToken(match[1]!), now: Math.floor(Date.now() / 1000) });
    if (!session) throw new ApiError("Unauthenticated", "unknown or expired session; sign in again");
    sessions.set(request, session);
  };
}

/** Attaches the identity a request acts as (a share grant's signer, see fileRoutes). */
export function attachSession(request: FastifyRequest, session: Session): void {
  sessions.set(request, session);
}

/** The session `authenticate` attached to the request. */
export function sessionOf(request: FastifyRequest): Session {
  const session = sessions.get(request);
  if (!session) throw new ApiError("Unauthenticated", "not signed in");
  return session;
}
