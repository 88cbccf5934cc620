import { createHash } from "node:crypto";
import type { Address } from "viem";
import type { Database } from "../db/openDatabase.ts";

const hashCode = (code: string) => createHash("sha256").update(code, "utf8").digest("hex");

/** Single-use invitation codes, kept hashed. */
export function createInviteStore(db: Database) {
  const add = db.prepare("INSERT OR IGNORE INTO invites (code_hash) VALUES (?)");
  const get = db.prepare("SELECT used_by AS usedBy FROM invites WHERE code_hash = ?");
  const use = db.prepare("UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL");
  const release = db.prepare("UPDATE invites SET used_by = NULL, used_at = NULL WHERE code_hash = ? AND used_by = ?");
  const counts = db.prepare("SELECT COUNT(*) AS total, SUM(used_by IS NOT NULL) AS used FROM invites");
  return {
    addCodes(codes: readonly string[]): void {
      for (const code of codes) add.run(hashCode(code));
    },
    /** Whether the code exists and was not used yet. */
    isAvailable(code: string): boolean {
      const row = get.get(hashCode(code)) as { usedBy: string | null } | undefined;
      return row !== undefined && row.usedBy === null;
    },
    consume({ code, address, now }: { code: string; address: Address; now: number }): boolean {
      return Number(use.run(address, now, hashCode(code)).changes) === 1;
    },
    /** Gives a consumed code back (the registration it paid for failed). */
    release({ code, address }: { code: string; address: Address }): void {
      release.run(hashCode(code), address);
    },
    counts(): { total: number; used: number } {
      const row = counts.get() as { total: number; used: number | null };
      return { total: row.total, used: row.used ?? 0 };
    },
  };
}

export type InviteStore = ReturnType<typeof createInviteStore>;
