// Which chunks a storage challenge names. The chunk a check found missing is the one to name —
// unless an earlier answer already revealed it on chain (StorageProven publishes the chunks it
// names for that fileRoot): a provider that lost it could copy it from the chain and pass. Then,
// and when no check failed, a random chunk not yet revealed is named instead.
import { randomChunkIndex } from "../commitment.ts";
import type { AuditResult } from "../vault/schema.ts";

export function challengeChunks({
  audits,
  size,
  revealed,
  random = Math.random,
}: {
  audits: AuditResult[];
  size: number;
  revealed: ReadonlySet<number>;
  random?: () => number;
}): bigint[] {
  const failed = [...audits].reverse().find((a) => !a.ok && !revealed.has(a.index));
  if (failed) return [BigInt(failed.index)];
  const chunks = Math.max(1, Math.ceil(size / 1024));
  if (revealed.size < chunks) {
    for (let tries = 0; tries < 64; tries++) {
      const index = randomChunkIndex(size, random);
      if (!revealed.has(index)) return [BigInt(index)];
    }
    for (let i = 0; i < chunks; i++) if (!revealed.has(i)) return [BigInt(i)];
  }
  return [BigInt(randomChunkIndex(size, random))];
}
