// Sign-in is rate limited per client address (IPv6: per /64; one token bucket for GET
// /v1/auth/nonce and POST /v1/auth/session): 429 RateLimited with Retry-After. Nonces are stateless
// (HMAC), so no number of them locks anyone out. Client IPs are simulated with fastify's inject (remoteAddress), or come from
// X-Forwarded-For when the peer is a trusted proxy.
import { errorBody, nonceResponse } from "@pekanu/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HardhatNode,
  type TestProvider,
  createProviderClient,
  signedSiweMessage,
  startHardhatNode,
  startProvider,
  testAccount,
} from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;

beforeAll(async () => {
  node = await startHardhatNode();
  provider = await startProvider({
    rpcUrl: node.rpcUrl,
    config: { authBurst: 5, authPerMinute: 60, trustProxy: "10.9.9.9" },
  });
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

const nonceFrom = (ip: string, headers: Record<string, string> = {}) =>
  provider.server.app.inject({ method: "GET", url: "/v1/auth/nonce", remoteAddress: ip, headers });

function expectRateLimited(response: Awaited<ReturnType<typeof nonceFrom>>, message: RegExp) {
  expect(response.statusCode).toBe(429);
  const body = errorBody.parse(response.json());
  expect(body.error.code).toBe("RateLimited");
  expect(body.error.message).toMatch(message);
  expect(Number(response.headers["retry-after"])).toBeGreaterThanOrEqual(1);
}

describe("sign-in rate limits", () => {
  const nonces: string[] = [];

  it("an IP gets its burst, then 429 RateLimited with Retry-After on both sign-in routes; tokens come back", async () => {
    for (let i = 0; i < 5; i++) {
      const response = await nonceFrom("10.0.0.1");
      expect(response.statusCode).toBe(200);
      nonces.push(nonceResponse.parse(response.json()).nonce);
    }
    const refused = await nonceFrom("10.0.0.1");
    expectRateLimited(refused, /too many sign-in requests/);
    expect(refused.headers["retry-after"]).toBe("1");
    // The session route shares the bucket and is refused before its body is even looked at.
    const session = await provider.server.app.inject({ method: "POST", url: "/v1/auth/session", remoteAddress: "10.0.0.1", payload: { nonsense: true } });
    expectRateLimited(session, /too many sign-in requests/);
    // Other routes are not limited.
    expect((await provider.server.app.inject({ method: "GET", url: "/v1/info", remoteAddress: "10.0.0.1" })).statusCode).toBe(200);
    // Another IP has its own bucket.
    expect((await nonceFrom("10.0.0.2")).statusCode).toBe(200);
    // One token per second comes back.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await nonceFrom("10.0.0.1")).statusCode).toBe(200);
    expectRateLimited(await nonceFrom("10.0.0.1"), /too many sign-in requests/);
  });

  it("nonces are stateless: a flood from many addresses stores nothing and locks nobody out; each nonce signs in once", async () => {
    const store = provider.server.context.store;
    const before = await store.auth.usedNonces();
    // 40 addresses × their whole burst: 200 nonces, more than the old global cap of 200 live nonces.
    for (let a = 0; a < 40; a++) {
      for (let i = 0; i < 5; i++) expect((await nonceFrom(`10.1.${a}.1`)).statusCode).toBe(200);
    }
    expect(await store.auth.usedNonces()).toBe(before);
    expect(Number((await store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM siwe_nonces WHERE used_at IS NULL"))!.n)).toBe(0);
    // A never-seen address still gets a nonce and signs in with it (nonces[0] from the first test too).
    expect((await nonceFrom("10.2.0.1")).statusCode).toBe(200);
    const client = createProviderClient({ baseUrl: provider.baseUrl });
    const signed = await signedSiweMessage({ baseUrl: provider.baseUrl, account: testAccount(1), client, overrides: { nonce: nonces[0]! } });
    const { address } = await client.session(signed);
    expect(address).toBe(testAccount(1).address);
    expect(await store.auth.usedNonces()).toBe(before + 1);
    // The same nonce again: refused, also inside another message.
    await expect(client.session(signed)).rejects.toMatchObject({ status: 401, code: "NonceInvalid" });
    const again = await signedSiweMessage({ baseUrl: provider.baseUrl, account: testAccount(2), client, overrides: { nonce: nonces[0]! } });
    await expect(client.session(again)).rejects.toMatchObject({ status: 401, code: "NonceInvalid" });
    // A nonce the server did not make (right shape, wrong MAC) is refused.
    const forged = `${nonces[1]!.slice(0, -2)}${nonces[1]!.endsWith("00") ? "11" : "00"}`;
    const withForged = await signedSiweMessage({ baseUrl: provider.baseUrl, account: testAccount(2), client, overrides: { nonce: forged } });
    await expect(client.session(withForged)).rejects.toMatchObject({ status: 401, code: "NonceInvalid" });
  });

  it("IPv6 clients are limited per /64: fresh addresses in one /64 share one bucket", async () => {
    for (let i = 0; i < 5; i++) expect((await nonceFrom(`2001:db8:1:2::${i + 1}`)).statusCode).toBe(200);
    expectRateLimited(await nonceFrom("2001:db8:1:2:ffff:1:2:3"), /too many sign-in requests/);
    expect((await nonceFrom("2001:db8:1:3::1")).statusCode).toBe(200);
  });

  it("behind a trusted proxy the client IP comes from X-Forwarded-For; untrusted peers cannot spoof it", async () => {
    const store = provider.server.context.store;
    // Mark every nonce used so the live-nonce cap stays out of the way: only the buckets decide.
    await store.db.run("UPDATE siwe_nonces SET used_at = 1");
    const viaProxy = (client: string) => nonceFrom("10.9.9.9", { "x-forwarded-for": client });
    for (let i = 0; i < 5; i++) expect((await viaProxy("203.0.113.7")).statusCode).toBe(200);
    expectRateLimited(await viaProxy("203.0.113.7"), /too many sign-in requests/);
    await store.db.run("UPDATE siwe_nonces SET used_at = 1");
    expect((await viaProxy("203.0.113.8")).statusCode).toBe(200);
    // A peer that is not the proxy is limited by its own address whatever header it sends.
    for (let i = 0; i < 5; i++) expect((await nonceFrom("10.0.0.5", { "x-forwarded-for": `198.51.100.${i}` })).statusCode).toBe(200);
    await store.db.run("UPDATE siwe_nonces SET used_at = 1");
    expectRateLimited(await nonceFrom("10.0.0.5", { "x-forwarded-for": "198.51.100.99" }), /too many sign-in requests/);
  });
});
