import "fake-indexeddb/auto";
import { describe, expect, it, vi } from "vitest";
import type { PortMessage, WalletView } from "../lib/messages.ts";
import { openVault } from "../lib/vault/db.ts";
import { client } from "../test-support/fixtures.ts";
import { createBackground, type PortLike } from "./background.ts";
import { memoryStore } from "./store.ts";

function fakeWallet() {
  const view: WalletView = { status: "ready", walletId: "w", accounts: [client], account: client, chainId: 31337 };
  return {
    view,
    setWalletId: vi.fn(),
    refresh: vi.fn(async () => view),
    connect: vi.fn(async () => client),
    account: vi.fn(async () => client),
    chainId: vi.fn(async () => 31337),
    request: vi.fn(),
    switchChain: vi.fn(),
  };
}

function port(): PortLike & { messages: PortMessage[] } {
  const messages: PortMessage[] = [];
  return { messages, postMessage: (m) => void messages.push(m), onDisconnect: { addListener: () => undefined } };
}

function setup() {
  const opened: string[] = [];
  const bg = createBackground({
    store: memoryStore(),
    hasHostPermission: async () => true,
    siweOrigin: () => ({ domain: "abcdefghijklmnopabcdefghijklmnop" }),
    openApp: async (hash) => void opened.push(hash),
    openVault: () => openVault({ name: `bg-${Math.random()}` }),
    wallet: fakeWallet() as never,
    chain: {} as never,
  });
  return { bg, opened };
}

describe("background wiring", () => {
  it("composes one view from the controllers and pushes it to every open page", async () => {
    const { bg } = setup();
    await bg.ready;
    const p = port();
    bg.addPort(p);
    await vi.waitFor(() => expect(p.messages.length).toBeGreaterThan(0));
    const view = p.messages.at(-1)!.view;
    expect(view).toMatchObject({ step: "connect", currentOrderId: null, orders: [], busy: null, settings: { defaultStorageDays: 30 }, vault: { count: 0 } });
    // A settings change reaches the page, once per turn.
    const before = p.messages.length;
    await bg.handle({ type: "settings.set", defaultStorageDays: 90 });
    await vi.waitFor(() => expect(p.messages.length).toBe(before + 1));
    expect(p.messages.at(-1)!.view.settings.defaultStorageDays).toBe(90);
  });

  it("routes 'Open Pekanu' to the tab opener, and records a failed step with the session when no order is on screen", async () => {
    const { bg, opened } = setup();
    await bg.handle({ type: "app.open", hash: "#vault" });
    expect(opened).toEqual(["#vault"]);
    // No provider yet: quoting fails in words, and the failure shows on the page (session error).
    const error = await bg.handle({ type: "order.quote" }).catch((err) => bg.failRequest({ type: "order.quote" }, err));
    expect(error).toMatchObject({ code: "NoOrder" });
    expect(bg.view().flow.error).toMatchObject({ code: "NoOrder" });
    await bg.handle({ type: "error.dismiss" });
    expect(bg.view().flow.error).toBeNull();
    // A failure of a non-flow request (the vault's) is returned, not recorded.
    const vaultError = await bg.handle({ type: "vault.audit", key: "nope" }).catch((err) => bg.failRequest({ type: "vault.audit", key: "nope" }, err));
    expect(vaultError).toMatchObject({ code: "NotInVault" });
    expect(bg.view().flow.error).toBeNull();
  });
});
