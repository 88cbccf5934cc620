import { parseShareGrant, shareGrantMessage } from "@pekanu/protocol";
import type { FastifyRequest } from "fastify";
import { recoverMessageAddress, type Hex } from "viem";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import { attachSession, authenticate } from "./authenticate.ts";

/**
 * onRequest hook of a file download: a session (`Authorization: Bearer`), or a share grant
 * `?share=<expiresAt>.<signature>` — the owner's EIP-191 signature of `shareGrantMessage` for this
 * file, this contract and chain. The request then acts as the signer: the route serves the file only
 * while the signer still holds a stored order for it (`clientHoldsReceipt`), so a grant never reaches
 * further than its signer's own access, and ends with the grant's expiry or the signer's orders.
 * Checked before any body is read (a GET has none).
 */
export function authenticateShare({ ctx }: { ctx: ServerContext }) {
  const session = authenticate({ ctx });
  return async (request: FastifyRequest): Promise<void> => {
    const share = (request.query as Record<string, unknown> | undefined)?.share;
    if (request.headers.authorization || share === undefined) return session(request);
    const grant = typeof share === "string" ? parseShareGrant(share) : null;
    if (!grant) throw new ApiError("Unauthenticated", "malformed share grant");
    const now = Math.floor(Date.now() / 1000);
    if (grant.expiresAt <= now) throw new ApiError("Unauthenticated", "this share link has expired");
    const { fileRoot } = request.params as { fileRoot?: string };
    if (typeof fileRoot !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(fileRoot)) throw new ApiError("Unauthenticated", "a share grant names one file");
    let address;
    try {
      const message = shareGrantMessage({ fileRoot: fileRoot as Hex, chainId: ctx.domain.chainId, contract: ctx.domain.verifyingContract, expiresAt: grant.expiresAt });
      address = await recoverMessageAddress({ message, signature: grant.signature });
    } catch {
      throw new ApiError("Unauthenticated", "the share grant's signature is not valid");
    }
    attachSession(request, { address, expiresAt: grant.expiresAt });
  };
}
