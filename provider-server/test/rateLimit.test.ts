// Sign-in is rate limited per client IP (one token bucket for GET /v1/auth/nonce and POST
// /v1/auth/session) and the number of live nonces is capped: both answer 429 RateLimited with
// Retry-After. Client IPs are simulated with fastify's inject (remoteAddress), or come from
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
    config: { authBurst: 5, authPerMinute: 60, maxLiveNonces: 8, trustProxy: "10.9.9.9" },
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

  it("caps live nonces: past the cap nobody gets one until a sign-in uses one", async () => {
    // 7 live so far (5 + 1 from 10.0.0.1, 1 from 10.0.0.2).
    expect((await nonceFrom("10.0.0.3")).statusCode).toBe(200);
    expectRateLimited(await nonceFrom("10.0.0.4"), /too many sign-ins in progress/);
    // A real sign-in with one of the nonces frees a place.
    const client = createProviderClient({ baseUrl: provider.baseUrl });
    const signed = await signedSiweMessage({ baseUrl: provider.baseUrl, account: testAccount(1), client, overrides: { nonce: nonces[0]! } });
    const { address } = await client.session(signed);
    expect(address).toBe(testAccount(1).address);
    expect((await nonceFrom("10.0.0.4")).statusCode).toBe(200);
  });

  it("behind a trusted proxy the client IP comes from X-Forwarded-For; untrusted peers cannot spoof it", async () => {
    const store = provider.server.context.store;
    // Mark every nonce used so the live-nonce cap stays out of the way: only the buckets decide.
    store.db.exec("UPDATE siwe_nonces SET used_at = 1");
    const viaProxy = (client: string) => nonceFrom("10.9.9.9", { "x-forwarded-for": client });
    for (let i = 0; i < 5; i++) expect((await viaProxy("203.0.113.7")).statusCode).toBe(200);
    expectRateLimited(await viaProxy("203.0.113.7"), /too many sign-in requests/);
    store.db.exec("UPDATE siwe_nonces SET used_at = 1");
    expect((await viaProxy("203.0.113.8")).statusCode).toBe(200);
    // A peer that is not the proxy is limited by its own address whatever header it sends.
    for (let i = 0; i < 5; i++) expect((await nonceFrom("10.0.0.5", { "x-forwarded-for": `198.51.100.${i}` })).statusCode).toBe(200);
    store.db.exec("UPDATE siwe_nonces SET used_at = 1");
    expectRateLimited(await nonceFrom("10.0.0.5", { "x-forwarded-for": "198.51.100.99" }), /too many sign-in requests/);
  });
});
