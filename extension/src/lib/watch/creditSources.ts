// Where the credits came from, per file, in words: a refund (delivery disputed, the provider
// refunded), the price back and the fine (a claimed penalty), the bond back (a claimed challenge
// returns the whole bond). Read from the vault's records and their confirmed actions.
import type { VaultRecord } from "../vault/schema.ts";

export type CreditSource = { key: string; fileName: string; kind: "refund" | "price back" | "fine" | "bond back"; amount: bigint };

export function creditSources(records: VaultRecord[]): CreditSource[] {
  const out: CreditSource[] = [];
  for (const r of records) {
    const fileName = r.fileName || r.fileRoot;
    const state = r.chain?.state;
    const price = BigInt(r.quote.price);
    if (state === "Refunded") out.push({ key: r.key, fileName, kind: "refund", amount: price });
    if (state === "Penalized") {
      // The claim pays the price back when it was not settled yet, the fine always.
      if (r.chain && !r.chain.settled) out.push({ key: r.key, fileName, kind: "price back", amount: price });
      out.push({ key: r.key, fileName, kind: "fine", amount: BigInt(r.quote.fine) });
      const bond = r.actions.filter((a) => a.kind === "challengeStorage" && a.status === "confirmed").at(-1)?.value;
      if (bond) out.push({ key: r.key, fileName, kind: "bond back", amount: BigInt(bond) });
    }
  }
  return out;
}
