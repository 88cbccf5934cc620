// The vault database service: one IndexedDB connection (lib/vault/db.ts), opened on first use.
import { openVault, type Vault } from "../../lib/vault/db.ts";
import type { BackgroundMessenger } from "../types.ts";

export function registerVaultDb({ messenger, open = openVault }: { messenger: BackgroundMessenger; open?: () => Promise<Vault> }): void {
  let vault: Promise<Vault> | null = null;
  messenger.registerAction("vaultdb:open", () => {
    vault ??= open().catch((err: unknown) => {
      vault = null; // a failed open is retried next time
      throw err;
    });
    return vault;
  });
}
