// The background's messenger vocabulary: every action a controller or service offers and every
// event it publishes, typed once here so callers and tests agree on them.
import type { Address, Hex } from "viem";
import type { HumanError } from "../lib/errors.ts";
import type { ContractView, WalletView } from "../lib/messages.ts";
import type { ProviderApi } from "../lib/providerApi.ts";
import type { FlowState, ProviderState, SessionState } from "../lib/flow.ts";
import type { Settings } from "../lib/settings.ts";
import type { Vault } from "../lib/vault/db.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { Messenger } from "./messenger.ts";

/** Transactions sent for vault records and not yet mined: followed after a restart. */
export type PendingTx = { key: string; txHash: Hex; chainId: number; kind: "payment" | "action" };

/** The provider-session slice of the client's state: provider, sign-in and registration. */
export type SessionSlice = Pick<FlowState, "provider" | "session" | "registration" | "error">;

export type BackgroundActions = {
  "settings:get": () => Settings;
  "busy:run": <T>(label: string, work: () => Promise<T>) => Promise<T>;
  "session:get": () => SessionSlice;
  "session:provider": () => ProviderState;
  "session:requireSession": () => SessionState;
  "session:api": (withToken?: boolean) => ProviderApi;
  "session:tokenFor": (link: string) => string | null;
  "session:readContract": () => Promise<ContractView>;
  "session:contract": () => ContractView | null;
  "session:requireChain": (chainId: number) => Promise<void>;
  "session:requireAccount": (expected: Address) => Promise<void>;
  "session:fail": (error: HumanError) => Promise<void>;
  "vaultdb:open": () => Promise<Vault>;
  "vault:changed": (count?: number) => void;
  "vault:trackPending": (tx: PendingTx) => Promise<void>;
  "vault:untrackPending": (txHash: Hex) => Promise<void>;
  "vault:refreshChain": (key: string) => Promise<VaultRecord>;
  "credits:read": () => Promise<{ amount: string; readAt: number } | null>;
  "orders:isFollowingPayment": (txHash: Hex) => boolean;
  /** Chunk indices of a file already revealed on chain (StorageProven by fileRoot). */
  "chain:revealedChunks": (contract: Address, fileRoot: Hex) => Promise<Set<number>>;
};

export type BackgroundEvents = {
  "wallet:changed": WalletView;
  "settings:changed": Settings;
  "session:changed": SessionSlice;
  "orders:changed": null;
  "vault:changed": { count: number; version: number };
  "credits:changed": null;
  "busy:changed": string | null;
  "compute:changed": null;
};

export type BackgroundMessenger = Messenger<BackgroundActions, BackgroundEvents>;

export function createBackgroundMessenger(): BackgroundMessenger {
  return new Messenger<BackgroundActions, BackgroundEvents>();
}

/** Runs background work once at a time per key (one worker per order, whatever the number of tabs). */
export class TaskRunner {
  private readonly running = new Set<string>();
  constructor(private readonly onError: (key: string, err: unknown) => void | Promise<void>) {}

  isRunning(key: string): boolean {
    return this.running.has(key);
  }

  run(key: string, work: () => Promise<void>): Promise<void> | null {
    if (this.running.has(key)) return null;
    this.running.add(key);
    return work()
      .catch((err) => this.onError(key, err))
      .finally(() => this.running.delete(key));
  }
}

export const POLL_INTERVAL_MS = 3_000;
export const POLL_LIMIT_MS = 10 * 60_000;
