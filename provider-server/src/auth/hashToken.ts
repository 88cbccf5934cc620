import { createHash } from "node:crypto";

/** Sessions are stored by the SHA-256 of their bearer token, never the token itself. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
