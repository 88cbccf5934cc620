import type { Address } from "viem";
import type { Database } from "../db/openDatabase.ts";

/**
 * Used SIWE nonces (the replay set: a nonce is recorded when a sign-in uses it and kept until it
 * expires; issued nonces are stateless, see auth/issueNonce.ts) and sessions (kept by token hash
 * only).
 */
export function createAuthStore(db: Database) {
  const useNonce = db.prepare("INSERT INTO siwe_nonces (nonce, expires_at, used_at) VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING");
  const getNonce = db.prepare("SELECT 1 FROM siwe_nonces WHERE nonce = ?");
  const pruneNonces = db.prepare("DELETE FROM siwe_nonces WHERE expires_at < ?");
  const insertSession = db.prepare("INSERT INTO sessions (token_hash, address, created_at, expires_at) VALUES (?, ?, ?, ?)");
  const getSession = db.prepare("SELECT address, expires_at AS expiresAt FROM sessions WHERE token_hash = ? AND expires_at > ?");
  const pruneSessions = db.prepare("DELETE FROM sessions WHERE expires_at < ?");
  const countSessions = db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?");
  const countNonces = db.prepare("SELECT COUNT(*) AS n FROM siwe_nonces");

  return {
    nonceUsed(nonce: string): boolean {
      return getNonce.get(nonce) !== undefined;
    },
    /** Records the nonce used; false if it already was (so two racing sign-ins cannot both win). */
    consumeNonce({ nonce, expiresAt, now }: { nonce: string; expiresAt: number; now: number }): boolean {
      return Number(useNonce.run(nonce, expiresAt, now).changes) === 1;
    },
    addSession({ tokenHash, address, createdAt, expiresAt }: { tokenHash: string; address: Address; createdAt: number; expiresAt: number }): void {
      insertSession.run(tokenHash, address, createdAt, expiresAt);
    },
    findSession({ tokenHash, now }: { tokenHash: string; now: number }): { address: Address; expiresAt: number } | undefined {
      return getSession.get(tokenHash, now) as { address: Address; expiresAt: number } | undefined;
    },
    /** Used nonces still kept (the replay set). */
    usedNonces(): number {
      return (countNonces.get() as { n: number }).n;
    },
    activeSessions(now: number): number {
      return (countSessions.get(now) as { n: number }).n;
    },
    prune(now: number): void {
      // Used nonces are kept until they expire: a replay must still find them used. Past expiry a
      // nonce is refused by its own (HMAC-protected) expiry whether it is kept or not.
      pruneNonces.run(now);
      pruneSessions.run(now);
    },
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;
