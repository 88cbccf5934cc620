// Fakes for the background's controller tests: a messenger carrying the session service's
// actions for one provider, an in-memory vault, and a provider API answering from a table.
import type { Address, Hex } from "viem";
import { createBackgroundMessenger, type BackgroundMessenger, type PendingTx, type SessionSlice } from "../background/types.ts";
import { UserFacingError, walletErrors } from "../lib/errors.ts";
import type { ProviderInfo, ProviderState } from "../lib/flow.ts";
import type { ContractView } from "../lib/messages.ts";
import { createProviderApi } from "../lib/providerApi.ts";
import type { Vault } from "../lib/vault/db.ts";
import type { VaultRecord } from "../lib/vault/schema.ts";
import { chainId, client, contract, providerSigner } from "./fixtures.ts";

export const providerUrl = "http://127.0.0.1:8788";

export const providerInfo: ProviderInfo = {
  version: "1",
  chainId,
  contract: { address: contract, deployBlock: 0 },
  owner: client,
  signer: providerSigner.address,
  pricing: { weiPerMiBDay: "1000", minPrice: "1", fineMultiplier: 2, quoteTtlSeconds: 600, minStorageDays: 1, maxStorageDays: 3650, maxFileSize: 1 << 30 },
  params: { settleDelay: "60", responseWindow: "60", challengeCooldown: "60", challengeBond: "1000" },
  registration: { policy: "open" },
  ownershipChallenges: 4,
};

export const providerState: ProviderState = { url: providerUrl, origin: providerUrl, info: providerInfo, connectedAt: 1 };

export function memoryVault(): Vault & { records: Map<string, VaultRecord> } {
  const records = new Map<string, VaultRecord>();
  return {
    records,
    get: async (key: string) => structuredClone(records.get(key)),
    save: async (record: VaultRecord) => (records.set(record.key, structuredClone(record)), record),
    update: async (key: string, change: (r: VaultRecord) => VaultRecord) => {
      const r = records.get(key);
      if (!r) return undefined;
      const next = change(structuredClone(r));
      records.set(key, next);
      return next;
    },
    list: async () => ({ total: records.size, items: [...records.values()] }),
    all: async () => [...records.values()],
    count: async () => records.size,
    saveMany: async (list: VaultRecord[]) => {
      for (const r of list) records.set(r.key, r);
      return { added: list.length, merged: 0 };
    },
    quarantined: async () => [],
    warm: async () => undefined,
    close: () => undefined,
  } as unknown as Vault & { records: Map<string, VaultRecord> };
}

export type Harness = {
  messenger: BackgroundMessenger;
  slice: SessionSlice;
  vault: ReturnType<typeof memoryVault>;
  pending: PendingTx[];
  chainOk: { value: boolean };
  account: { value: Address };
};

/** A messenger with the session, vault-db and vault actions faked for one signed-in client. */
export function harness({ fetch, signedIn = true, now = () => Date.now() }: { fetch?: typeof globalThis.fetch; signedIn?: boolean; now?: () => number } = {}): Harness {
  const messenger = createBackgroundMessenger();
  const vault = memoryVault();
  const pending: PendingTx[] = [];
  const h: Harness = {
    messenger,
    slice: {
      provider: providerState,
      session: signedIn ? { token: "token-1", address: client, expiresAt: now() + 3_600_000 } : null,
      registration: signedIn
        ? { status: "confirmed", address: client, txHash: null, alreadyRegistered: true, blockNumber: 1, eventSeen: true, isRegistered: true, checkedAt: 1, failure: null }
        : null,
      error: null,
    },
    vault,
    pending,
    chainOk: { value: true },
    account: { value: client },
  };
  const contractView: ContractView = {
    chainId,
    address: contract,
    signer: providerSigner.address,
    signerMatchesInfo: true,
    params: providerInfo.params,
    readAt: 1,
  };
  messenger.registerAction("session:get", () => h.slice);
  messenger.registerAction("session:provider", () => {
    if (!h.slice.provider) throw new UserFacingError({ code: "NoProvider", title: "No provider", message: "connect", action: "reconnect" });
    return h.slice.provider;
  });
  messenger.registerAction("session:requireSession", () => {
    if (!h.slice.session) throw new UserFacingError({ code: "SignInNeeded", title: "Sign-in needed", message: "sign in", action: "signIn" });
    return h.slice.session;
  });
  messenger.registerAction("session:api", () => createProviderApi({ baseUrl: providerUrl, token: "token-1", ...(fetch ? { fetch } : {}) }));
  messenger.registerAction("session:tokenFor", () => "token-1");
  messenger.registerAction("session:readContract", async () => contractView);
  messenger.registerAction("session:contract", () => contractView);
  messenger.registerAction("session:requireChain", async (id) => {
    if (!h.chainOk.value) throw new UserFacingError(walletErrors.wrongChain(id, 1));
  });
  messenger.registerAction("session:requireAccount", async (expected) => {
    if (expected.toLowerCase() !== h.account.value.toLowerCase()) throw new UserFacingError(walletErrors.wrongAccount(expected, h.account.value));
  });
  messenger.registerAction("session:fail", async (error) => {
    h.slice = { ...h.slice, error };
  });
  messenger.registerAction("vaultdb:open", async () => vault);
  messenger.registerAction("vault:changed", () => undefined);
  messenger.registerAction("vault:trackPending", async (tx) => void pending.push(tx));
  messenger.registerAction("vault:untrackPending", async (txHash: Hex) => {
    const i = pending.findIndex((p) => p.txHash === txHash);
    if (i >= 0) pending.splice(i, 1);
  });
  return h;
}

/** A provider API from a table of `METHOD path` → [status, body]; unknown requests answer 404. */
export function fakeProvider(routes: Record<string, (init: RequestInit | undefined) => [number, unknown]>): typeof fetch & { calls: string[] } {
  const calls: string[] = [];
  const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const key = `${init?.method ?? "GET"} ${url.pathname}`;
    calls.push(key);
    const route = routes[key];
    if (!route) return new Response(JSON.stringify({ error: { code: "NotFound", message: key } }), { status: 404 });
    const [status, body] = route(init);
    return new Response(JSON.stringify(body), { status });
  }) as typeof fetch & { calls: string[] };
  f.calls = calls;
  return f;
}
