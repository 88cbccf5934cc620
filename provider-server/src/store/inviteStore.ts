import { createHash } from "node:crypto";
import type { Address } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

const hashCode = (code: string) => createHash("sha256").update(code, "utf8").digest("hex");

/** Single-use invitation codes, kept hashed. */
export function createInviteStore(db: SqlDatabase) {
  return {
    async addCodes(codes: readonly string[]): Promise<void> {
      for (const code of codes) await db.run("INSERT INTO invites (code_hash) VALUES (?) ON CONFLICT DO NOTHING", [hashCode(code)]);
    },
    /** Whether the code exists and was not used yet. */
    async isAvailable(code: string): Promise<boolean> {
      const row = await db.get<{ usedBy: string | null }>('SELECT used_by AS "usedBy" FROM invites WHERE code_hash = ?', [hashCode(code)]);
      return row !== undefined && row.usedBy === null;
    },
    async consume({ code, address, now }: { code: string; address: Address; now: number }): Promise<boolean> {
      const { changes } = await db.run("UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL", [address, now, hashCode(code)]);
      return changes === 1;
    },
    /** Gives a consumed code back (the registration it paid for failed). */
    async release({ code, address }: { code: string; address: Address }): Promise<void> {
      await db.run("UPDATE invites SET used_by = NULL, used_at = NULL WHERE code_hash = ? AND used_by = ?", [hashCode(code), address]);
    },
    async counts(): Promise<{ total: number; used: number }> {
      const row = (await db.get<{ total: number; used: number | null }>(
        "SELECT COUNT(*) AS total, SUM(CASE WHEN used_by IS NOT NULL THEN 1 ELSE 0 END) AS used FROM invites",
      ))!;
      return { total: Number(row.total), used: Number(row.used ?? 0) };
    },
  };
}

export type InviteStore = ReturnType<typeof createInviteStore>;
