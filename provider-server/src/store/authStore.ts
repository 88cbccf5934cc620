import type { Address } from "viem";
import type { Database } from "../db/openDatabase.ts";

/** SIWE nonces (single use, expiring) and sessions (kept by token hash only). */
export function createAuthStore(db: Database) {
  const insertNonce = db.prepare("INSERT INTO siwe_nonces (nonce, expires_at) VALUES (?, ?)");
  const useNonce = db.prepare("UPDATE siwe_nonces SET used_at = ? WHERE nonce = ? AND used_at IS NULL AND expires_at > ?");
  const getNonce = db.prepare("SELECT nonce, expires_at AS expiresAt, used_at AS usedAt FROM siwe_nonces WHERE nonce = ?");
  const pruneNonces = db.prepare("DELETE FROM siwe_nonces WHERE expires_at < ?");
  const insertSession = db.prepare("INSERT INTO sessions (token_hash, address, created_at, expires_at) VALUES (?, ?, ?, ?)");
  const getSession = db.prepare("SELECT address, expires_at AS expiresAt FROM sessions WHERE token_hash = ? AND expires_at > ?");
  const pruneSessions = db.prepare("DELETE FROM sessions WHERE expires_at < ?");
  const countSessions = db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?");
  const countLiveNonces = db.prepare("SELECT COUNT(*) AS n FROM siwe_nonces WHERE used_at IS NULL AND expires_at > ?");

  return {
    addNonce({ nonce, expiresAt }: { nonce: string; expiresAt: number }): void {
      insertNonce.run(nonce, expiresAt);
    },
    getNonce(nonce: string): { nonce: string; expiresAt: number; usedAt: number | null } | undefined {
      return getNonce.get(nonce) as { nonce: string; expiresAt: number; usedAt: number | null } | undefined;
    },
    /** Marks the nonce used; false if unknown, used or expired (so two racing sign-ins cannot both win). */
    consumeNonce({ nonce, now }: { nonce: string; now: number }): boolean {
      return Number(useNonce.run(now, nonce, now).changes) === 1;
    },
    addSession({ tokenHash, address, createdAt, expiresAt }: { tokenHash: string; address: Address; createdAt: number; expiresAt: number }): void {
      insertSession.run(tokenHash, address, createdAt, expiresAt);
    },
    findSession({ tokenHash, now }: { tokenHash: string; now: number }): { address: Address; expiresAt: number } | undefined {
      return getSession.get(tokenHash, now) as { address: Address; expiresAt: number } | undefined;
    },
    /** Nonces issued and neither used nor expired. */
    liveNonces(now: number): number {
      return (countLiveNonces.get(now) as { n: number }).n;
    },
    activeSessions(now: number): number {
      return (countSessions.get(now) as { n: number }).n;
    },
    prune(now: number): void {
      // Used nonces are kept until they expire: a replay must still find them used. Past expiry a
      // nonce is refused whether it is kept or not.
      pruneNonces.run(now);
      pruneSessions.run(now);
    },
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;
