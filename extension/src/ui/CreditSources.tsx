// The credits' origins under the amount: per file, refund / price back / fine / bond back.
import { useEffect, useState } from "react";
import { formatEth } from "../lib/format.ts";
import type { VaultListAnswer } from "../lib/messages.ts";
import { creditSources, type CreditSource } from "../lib/watch/creditSources.ts";
import { send } from "./background.ts";

export function CreditSources({ version }: { version: number }) {
  const [sources, setSources] = useState<CreditSource[]>([]);
  useEffect(() => {
    send<VaultListAnswer>({ type: "vault.list", limit: 500 })
      .then((answer) => setSources(creditSources(answer.items)))
      .catch(() => setSources([]));
  }, [version]);
  if (sources.length === 0) return null;
  return (
    <ul data-testid="credits-sources" aria-label="Where the credits came from">
      {sources.map((s, i) => (
        <li key={i} data-testid="credit-source" data-kind={s.kind} data-wei={s.amount.toString()}>
          {s.fileName}: {s.kind} {formatEth(s.amount)} ETH
        </li>
      ))}
    </ul>
  );
}
