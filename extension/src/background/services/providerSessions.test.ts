import { parseSiweMessage } from "viem/siwe";
import { describe, expect, it, vi } from "vitest";
import { hexToString, type Hex } from "viem";
import { client } from "../../test-support/fixtures.ts";
import { fakeProvider, providerInfo, providerState } from "../../test-support/background.ts";
import { memoryStore } from "../store.ts";
import { createBackgroundMessenger } from "../types.ts";
import { explainConnectFailure, LEGACY_FLOW_KEY, normalizeProviderUrl, ProviderSessions, SESSION_KEY } from "./providerSessions.ts";

const EXTENSION_ID = "abcdefghijklmnopabcdefghijklmnop";

function setup(fetch: typeof globalThis.fetch, store = memoryStore()) {
  const messenger = createBackgroundMessenger();
  const signed: string[] = [];
  const wallet = {
    account: async () => client,
    chainId: async () => 31337,
    refresh: async () => wallet.view,
    view: { status: "ready", walletId: "w", accounts: [client], account: client, chainId: 1 } as never,
    request: vi.fn(async ({ params }: { method: string; params: [Hex, string] }) => {
      signed.push(hexToString(params[0]));
      return `0x${"11".repeat(65)}` as Hex;
    }),
  };
  const sessions = new ProviderSessions({
    messenger,
    store,
    wallet: wallet as never,
    chain: {} as never,
    hasHostPermission: async () => true,
    siweOrigin: () => ({ domain: EXTENSION_ID }),
    fetch,
  });
  return { messenger, sessions, store, signed };
}

const infoJson = { ...providerInfo, abi: [] };

describe("provider sessions", () => {
  it("says in words what is wrong with an address: no scheme, garbled, not a provider, offline", async () => {
    expect(() => normalizeProviderUrl("storage.example.com")).toThrow(expect.objectContaining({ human: expect.objectContaining({ code: "UrlWithoutScheme", message: expect.stringContaining("https://storage.example.com") }) }));
    expect(() => normalizeProviderUrl("http://exa mple")).toThrow(expect.objectContaining({ human: expect.objectContaining({ code: "BadUrl", title: "Not a web address" }) }));
    expect(() => normalizeProviderUrl("   ")).toThrow(expect.objectContaining({ human: expect.objectContaining({ code: "BadUrl", title: "Address needed" }) }));
    expect(normalizeProviderUrl(" http://127.0.0.1:8787/v1/ ")).toEqual({ baseUrl: "http://127.0.0.1:8787", origin: "http://127.0.0.1:8787" });

    const notProvider = setup(fakeProvider({}));
    await expect(notProvider.sessions.connect("http://127.0.0.1:9")).rejects.toMatchObject({ human: { code: "NotAProvider", title: "Not a Pekanu provider" } });
    const offline = setup((async () => {
      throw new TypeError("Failed to fetch");
    }) as never);
    await expect(offline.sessions.connect("http://127.0.0.1:9")).rejects.toMatchObject({ human: { code: "ProviderOffline", title: "Provider offline" } });
    expect(offline.sessions.state.provider).toBeNull();
    expect(explainConnectFailure(new Error("x"), "http://p").code).toBe("Unexpected");
  });

  it("signs in with a message whose domain is the extension's (what MetaMask compares) and whose URI is the provider's", async () => {
    const fetch = fakeProvider({
      "GET /v1/info": () => [200, infoJson],
      "GET /v1/auth/nonce": () => [200, { nonce: "abcdefgh12345678", expiresAt: Math.floor(Date.now() / 1000) + 300 }],
      "POST /v1/auth/session": () => [200, { token: "t".repeat(32), address: client, expiresAt: Math.floor(Date.now() / 1000) + 3600 }],
    });
    const { sessions, signed, store, messenger } = setup(fetch);
    await sessions.connect("http://127.0.0.1:8788");
    await sessions.signIn();
    const message = parseSiweMessage(signed[0]!);
    expect(message).toMatchObject({ domain: EXTENSION_ID, uri: providerState.url, chainId: 31337, address: client, nonce: "abcdefgh12345678" });
    expect(sessions.state.session).toMatchObject({ address: client, token: "t".repeat(32) });
    expect(((await store.get(SESSION_KEY)) as { session: unknown }).session).toMatchObject({ address: client });
    expect(messenger.call("session:tokenFor", `${providerState.url}/v1/files/x`)).toBe("t".repeat(32));
    expect(messenger.call("session:tokenFor", "http://elsewhere.example/v1/files/x")).toBeNull();
  });

  it("splits the single-flow state of the earlier version into the session (the order goes to the orders controller)", async () => {
    const legacy = { version: 1, provider: providerState, session: { token: "x", address: client, expiresAt: 1 }, registration: null, order: { file: { name: "a" } }, error: null, updatedAt: 5 };
    const store = memoryStore({ [LEGACY_FLOW_KEY]: JSON.stringify(legacy) });
    const { sessions } = setup(fakeProvider({}), store);
    const flow = await sessions.load();
    expect(flow?.order).toEqual({ file: { name: "a" } });
    expect(sessions.state.provider).toEqual(providerState);
    expect(await store.get(LEGACY_FLOW_KEY)).toBeUndefined();
    expect(await store.get(SESSION_KEY)).toMatchObject({ provider: providerState });
  });
});
