import { randomInt } from "node:crypto";

/**
 * k distinct chunk indices drawn uniformly from [0, chunks) with a CSPRNG (all of them when the
 * file has at most k chunks), sorted. Unpredictable, so a client that holds only some chunks of a
 * file (or only its root) fails with high probability.
 */
export function pickChallengeIndices({ chunks, k }: { chunks: number; k: number }): number[] {
  if (chunks <= k) return Array.from({ length: chunks }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < k) picked.add(randomInt(0, chunks));
  return [...picked].sort((a, b) => a - b);
}
