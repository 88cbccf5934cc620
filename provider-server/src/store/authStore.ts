import type { Address } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

/**
 * Used SIWE nonces (the replay set: a nonce is recorded when a sign-in uses it and kept until it
 * expires; issued nonces are stateless, see auth/issueNonce.ts) and sessions (kept by token hash
 * only).
 */
export function createAuthStore(db: SqlDatabase) {
  return {
    async nonceUsed(nonce: string): Promise<boolean> {
      return (await db.get("SELECT 1 AS one FROM siwe_nonces WHERE nonce = ?", [nonce])) !== undefined;
    },
    /** Records the nonce used; false if it already was (so two racing sign-ins cannot both win). */
    async consumeNonce({ nonce, expiresAt, now }: { nonce: string; expiresAt: number; now: number }): Promise<boolean> {
      const { changes } = await db.run("INSERT INTO siwe_nonces (nonce, expires_at, used_at) VALUES (?, ?, ?) ON CONFLICT (nonce) DO NOTHING", [nonce, expiresAt, now]);
      return changes === 1;
    },
    async addSession({ tokenHash, address, createdAt, expiresAt }: { tokenHash: string; address: Address; createdAt: number; expiresAt: number }): Promise<void> {
      await db.run("INSERT INTO sessions (token_hash, address, created_at, expires_at) VALUES (?, ?, ?, ?)", [tokenHash, address, createdAt, expiresAt]);
    },
    async findSession({ tokenHash, now }: { tokenHash: string; now: number }): Promise<{ address: Address; expiresAt: number } | undefined> {
      return db.get<{ address: Address; expiresAt: number }>('SELECT address, expires_at AS "expiresAt" FROM sessions WHERE token_hash = ? AND expires_at > ?', [tokenHash, now]);
    },
    /** Used nonces still kept (the replay set). */
    async usedNonces(): Promise<number> {
      return Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM siwe_nonces"))!.n);
    },
    async activeSessions(now: number): Promise<number> {
      return Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE expires_at > ?", [now]))!.n);
    },
    async prune(now: number): Promise<void> {
      // Used nonces are kept until they expire: a replay must still find them used. Past expiry a
      // nonce is refused by its own (HMAC-protected) expiry whether it is kept or not.
      await db.run("DELETE FROM siwe_nonces WHERE expires_at < ?", [now]);
      await db.run("DELETE FROM sessions WHERE expires_at < ?", [now]);
    },
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;
