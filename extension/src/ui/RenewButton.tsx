// "Renew": a new quote for the same root from the same provider (no upload: it has the bytes).
import type { HumanError } from "../lib/errors.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { humanOf, send } from "./background.ts";

export function RenewButton({ record, onError }: { record: VaultRecord; onError: (e: HumanError) => void }) {
  if (!record.link) return null;
  const until = Number(record.quote.storageUntil) * 1000;
  if (until < Date.now()) return null;
  // Not for a file with a problem (a failed check, a dispute, a challenge) or whose order ended.
  if (record.audits.at(-1)?.ok === false) return null;
  if (record.chain && record.chain.state !== "Paid") return null;
  return (
    <button
      data-testid="detail-renew"
      onClick={async () => {
        try {
          await send({ type: "vault.renew", key: record.key });
          location.hash = "store";
        } catch (err) {
          onError(humanOf(err));
        }
      }}
    >
      Renew storage
    </button>
  );
}
