// Renewal: the same provider is asked for a new quote for the same root. The provider already
// has the bytes (deduplication by root): after payment it asks for a proof of ownership, not an
// upload. The new order goes through the store page like any other (pay, proof, receipt).
import { humanError, UserFacingError } from "../../lib/errors.ts";
import type { FileMeta } from "../../lib/flow.ts";
import type { VaultRecord } from "../../lib/vault/schema.ts";

export type RenewDeps = {
  /** The provider the extension is connected to (origin). */
  providerOrigin: () => string | null;
  addFile: (file: FileMeta, storageDays: number) => Promise<string>;
  quote: (orderId: string) => Promise<unknown>;
};

/** Starts the renewal of a stored file: a new order for its root at its provider, quoted. Returns the order id. */
export async function renewFile({ record, storageDays, deps }: { record: VaultRecord; storageDays: number; deps: RenewDeps }): Promise<string> {
  const wanted = new URL(record.providerUrl).origin;
  const connected = deps.providerOrigin();
  if (connected !== wanted) {
    throw new UserFacingError(humanError("RenewOtherProvider", "Connect to the same provider", `Renewal asks the provider that stores this file (${wanted}) for a new price. Connect to it on the store page, then renew.`, "reconnect"));
  }
  const file: FileMeta = {
    name: record.fileName || `${record.fileRoot}.bin`,
    size: record.size,
    lastModified: record.createdAt,
    mimeType: record.mimeType || "application/octet-stream",
    fileRoot: record.fileRoot.toLowerCase() as FileMeta["fileRoot"],
    chunks: Math.max(1, Math.ceil(record.size / 1024)),
    // An encrypted file stays encrypted the same way (its proof of ownership is over the same ciphertext).
    encryption:
      record.encryption?.key && record.encryption.header
        ? { mode: record.encryption.mode, key: record.encryption.key, header: record.encryption.header, plaintextSize: record.encryption.plaintextSize, segmentSize: record.encryption.segmentSize }
        : null,
  };
  const orderId = await deps.addFile(file, storageDays);
  await deps.quote(orderId);
  return orderId;
}
