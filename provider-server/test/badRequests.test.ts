// Table of bad requests: each must get the right status and error code AND change nothing — no
// order, receipt, file, session, registration, blob, temp file or transaction appears or moves.
import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { Hex, LocalAccount } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HardhatNode,
  type TestProvider,
  chainClients,
  chainControl,
  createProviderClient,
  ownershipProofs,
  payQuote,
  type RequestOptions,
  signedSiweMessage,
  signIn,
  startHardhatNode,
  startProvider,
  streamOf,
  testAccount,
  testFile,
  testKey,
} from "./support/index.ts";
import { blobListing } from "./support/stateBackend.ts";

let node: HardhatNode;
let main: TestProvider;
let allowlisted: TestProvider;
let invited: TestProvider;

const alice = testAccount(1);
const bob = testAccount(2);
const carol = testAccount(3); // signed in, never registered
const dave = testAccount(4);

const paidFile = testFile(3000);
const storedFile = testFile(9000);
const unpaidFile = testFile(2000);
const expiredFile = testFile(1000);

type Fixture = {
  tokens: Record<"alice" | "bob" | "carol", string>;
  paidOrder: Hex;
  unpaidOrder: Hex;
  expiredOrder: Hex;
  storedOrder: Hex;
  bobDedupOrder: Hex;
  bobDedupIndices: number[];
  usedSiwe: { message: string; signature: Hex };
};
let fx: Fixture;

beforeAll(async () => {
  node = await startHardhatNode();
  main = await startProvider({ rpcUrl: node.rpcUrl, config: { pricing: { maxFileSize: 1024 * 1024, maxStorageDays: 365 } } });
  allowlisted = await startProvider({ rpcUrl: node.rpcUrl, config: { registration: { policy: "allowlist", allowlist: [alice.address] } } });
  invited = await startProvider({ rpcUrl: node.rpcUrl, config: { registration: { policy: "invite", inviteCodes: ["alpha-1", "beta-2"] } } });

  const a = await signIn({ baseUrl: main.baseUrl, account: alice });
  const b = await signIn({ baseUrl: main.baseUrl, account: bob });
  const c = await signIn({ baseUrl: main.baseUrl, account: carol });
  await a.register();
  await b.register();
  const aliceChain = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  const bobChain = chainClients({ rpcUrl: node.rpcUrl, key: testKey(2) });

  // An order left unpaid until its quote expired (chain time moved past expiresAt).
  const expired = await a.quote({ fileRoot: expiredFile.root, size: expiredFile.size, storageDays: 1 });
  // Well past 900 s: automined blocks may already be stamped a few seconds ahead of the wall clock.
  await chainControl({ rpcUrl: node.rpcUrl }).increaseTime(960);

  const paid = await a.quote({ fileRoot: paidFile.root, size: paidFile.size, storageDays: 1 });
  await payQuote({ clients: aliceChain, contract: main.contract, quote: paid });
  const unpaid = await a.quote({ fileRoot: unpaidFile.root, size: unpaidFile.size, storageDays: 1 });
  const stored = await a.quote({ fileRoot: storedFile.root, size: storedFile.size, storageDays: 1 });
  await payQuote({ clients: aliceChain, contract: main.contract, quote: stored });
  await a.upload(stored.quote.orderId, storedFile.bytes);
  const dedup = await b.quote({ fileRoot: storedFile.root, size: storedFile.size, storageDays: 1 });
  await payQuote({ clients: bobChain, contract: main.contract, quote: dedup });

  // A sign-in message that was already used once.
  const probe = createProviderClient({ baseUrl: main.baseUrl });
  const usedSiwe = await signedSiweMessage({ baseUrl: main.baseUrl, account: dave, client: probe });
  await probe.session(usedSiwe);

  await main.server.sync();
  fx = {
    tokens: { alice: a.token, bob: b.token, carol: c.token },
    paidOrder: paid.quote.orderId,
    unpaidOrder: unpaid.quote.orderId,
    expiredOrder: expired.quote.orderId,
    storedOrder: stored.quote.orderId,
    bobDedupOrder: dedup.quote.orderId,
    bobDedupIndices: dedup.ownershipChallenge!.indices,
    usedSiwe,
  };
});

afterAll(async () => {
  await Promise.all([main?.stop(), allowlisted?.stop(), invited?.stop()]);
  await node?.stop();
});

/** Everything a bad request must leave untouched. */
async function snapshot(provider: TestProvider) {
  const db = provider.server.context.store.db;
  const dump = async (sql: string) => createHash("sha256").update(JSON.stringify(await db.all(sql))).digest("hex");
  const owner = chainClients({ rpcUrl: node.rpcUrl, key: testKey(0) });
  return {
    orders: await dump("SELECT * FROM orders ORDER BY order_id"),
    files: await dump("SELECT * FROM files ORDER BY file_root"),
    sessions: await dump("SELECT token_hash FROM sessions ORDER BY token_hash"),
    usedNonces: await dump("SELECT nonce FROM siwe_nonces WHERE used_at IS NOT NULL ORDER BY nonce"),
    clients: await dump("SELECT address, registered FROM clients ORDER BY address"),
    invites: await dump("SELECT * FROM invites ORDER BY code_hash"),
    blobs: await blobListing({ blobs: provider.server.context.blobs, dataDir: provider.dataDir }),
    ownerNonce: await owner.publicClient.getTransactionCount({ address: testAccount(0).address }),
  };
}

type Spec = RequestOptions & { path: string; rawPath?: boolean };
type Case = {
  name: string;
  provider?: () => TestProvider;
  /** Builds the request (may do preparatory calls: they happen before the snapshot). */
  request: () => Spec | Promise<Spec>;
  status: number;
  code: string;
};

const root = (s: string) => `0x${s.repeat(64).slice(0, 64)}` as Hex;
const auth = (who: keyof Fixture["tokens"]) => fx.tokens[who];
const quoteBody = (over: Record<string, unknown> = {}) => ({ fileRoot: root("ab"), size: 1000, storageDays: 1, ...over });
const siwe = async (account: LocalAccount, overrides: Parameters<typeof signedSiweMessage>[0]["overrides"], provider = main) =>
  signedSiweMessage({ baseUrl: provider.baseUrl, account, client: createProviderClient({ baseUrl: provider.baseUrl }), overrides });
const octet = { "content-type": "application/octet-stream" };

const cases: Case[] = [
  // ── malformed and mistyped input ──
  { name: "malformed JSON (quote)", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), headers: { "content-type": "application/json" }, body: '{"fileRoot": ' }), status: 400, code: "BadRequest" },
  { name: "malformed JSON (session)", request: () => ({ path: "/v1/auth/session", method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }), status: 400, code: "BadRequest" },
  { name: "empty JSON body", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), headers: { "content-type": "application/json" }, body: "" }), status: 400, code: "BadRequest" },
  { name: "size as a string", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ size: "1000" }) }), status: 400, code: "BadRequest" },
  { name: "missing fileRoot", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: { size: 1000, storageDays: 1 } }), status: 400, code: "BadRequest" },
  { name: "unknown field", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ price: "1" }) }), status: 400, code: "BadRequest" },
  { name: "fileRoot not bytes32 hex", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ fileRoot: "0x1234" }) }), status: 400, code: "BadRequest" },
  { name: "unsupported content type", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), headers: { "content-type": "application/xml" }, body: "<quote/>" }), status: 415, code: "BadRequest" },
  { name: "oversized JSON body", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ pad: "x".repeat(100_000) }) }), status: 413, code: "PayloadTooLarge" },
  { name: "oversized ownership proof", request: () => ({ path: `/v1/orders/${fx.bobDedupOrder}/content`, method: "PUT", token: auth("bob"), body: { proofs: [{ index: 0, chunk: "A".repeat(1_100_000), proof: [] }] } }), status: 413, code: "PayloadTooLarge" },
  // ── quotes ──
  { name: "quote for size 0", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ size: 0 }) }), status: 422, code: "QuoteRejected" },
  { name: "quote for a negative size", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ size: -1 }) }), status: 400, code: "BadRequest" },
  { name: "quote for a non-integer size", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ size: 1.5 }) }), status: 400, code: "BadRequest" },
  { name: "quote above maxFileSize", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ size: 1024 * 1024 + 1 }) }), status: 422, code: "QuoteRejected" },
  { name: "quote for an absurd size", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ size: 1e300 }) }), status: 400, code: "BadRequest" },
  { name: "storageDays 0", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ storageDays: 0 }) }), status: 400, code: "BadRequest" },
  { name: "storageDays above the provider's maximum", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ storageDays: 366 }) }), status: 422, code: "QuoteRejected" },
  { name: "storageDays absurd", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ storageDays: 1e9 }) }), status: 400, code: "BadRequest" },
  { name: "unregistered client quoting", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("carol"), body: quoteBody() }), status: 403, code: "NotRegistered" },
  { name: "quote for a root stored with another size", request: () => ({ path: "/v1/quotes", method: "POST", token: auth("alice"), body: quoteBody({ fileRoot: storedFile.root, size: 9001 }) }), status: 422, code: "QuoteRejected" },
  // ── sessions ──
  { name: "missing session token", request: () => ({ path: "/v1/quotes", method: "POST", token: null, body: quoteBody() }), status: 401, code: "Unauthenticated" },
  { name: "forged session token", request: () => ({ path: "/v1/quotes", method: "POST", token: "Zm9yZ2VkLXRva2VuLWZvcmdlZC10b2tlbi1mb3JnZWQ", body: quoteBody() }), status: 401, code: "Unauthenticated" },
  { name: "malformed Authorization header", request: () => ({ path: "/v1/orders", token: null, headers: { authorization: "Basic YWxpY2U6c2VjcmV0" } }), status: 401, code: "Unauthenticated" },
  { name: "replayed SIWE message", request: () => ({ path: "/v1/auth/session", method: "POST", body: fx.usedSiwe }), status: 401, code: "NonceInvalid" },
  { name: "expired SIWE message", request: async () => ({ path: "/v1/auth/session", method: "POST", body: await siwe(dave, { expirationTime: new Date(Date.now() - 60_000) }) }), status: 401, code: "SiweInvalid" },
  { name: "SIWE message not yet valid", request: async () => ({ path: "/v1/auth/session", method: "POST", body: await siwe(dave, { notBefore: new Date(Date.now() + 3_600_000) }) }), status: 401, code: "SiweInvalid" },
  { name: "SIWE nonce the server never issued", request: async () => ({ path: "/v1/auth/session", method: "POST", body: await siwe(dave, { nonce: "madeup1234567890" }) }), status: 401, code: "NonceInvalid" },
  { name: "SIWE message for another domain", request: async () => ({ path: "/v1/auth/session", method: "POST", body: await siwe(dave, { domain: "evil.example" }) }), status: 401, code: "SiweInvalid" },
  { name: "SIWE message with a foreign uri", request: async () => ({ path: "/v1/auth/session", method: "POST", body: await siwe(dave, { uri: "https://evil.example/login" }) }), status: 401, code: "SiweInvalid" },
  { name: "SIWE message for another chain", request: async () => ({ path: "/v1/auth/session", method: "POST", body: await siwe(dave, { chainId: 1 }) }), status: 401, code: "SiweInvalid" },
  {
    name: "SIWE message signed by another key",
    request: async () => {
      const signed = await siwe(dave, { address: alice.address });
      return { path: "/v1/auth/session", method: "POST", body: signed };
    },
    status: 401,
    code: "SiweInvalid",
  },
  { name: "not a SIWE message", request: async () => ({ path: "/v1/auth/session", method: "POST", body: { message: "let me in", signature: await dave.signMessage({ message: "let me in" }) } }), status: 401, code: "SiweInvalid" },
  { name: "SIWE signature of the wrong length", request: async () => ({ path: "/v1/auth/session", method: "POST", body: { message: (await siwe(dave, {})).message, signature: "0x1234" } }), status: 400, code: "BadRequest" },
  // ── uploads ──
  { name: "upload larger than quoted (Content-Length)", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: new Uint8Array(paidFile.size + 1) }), status: 422, code: "SizeMismatch" },
  { name: "upload larger than quoted (streamed)", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: streamOf(new Uint8Array(200_000), 16_384) }), status: 422, code: "SizeMismatch" },
  { name: "upload smaller than quoted (streamed)", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: streamOf(paidFile.bytes.subarray(0, 2999)) }), status: 422, code: "SizeMismatch" },
  { name: "upload smaller than quoted (Content-Length)", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: paidFile.bytes.subarray(0, 100) }), status: 422, code: "SizeMismatch" },
  { name: "upload with the wrong root", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: testFile(paidFile.size).bytes }), status: 422, code: "RootMismatch" },
  { name: "upload for an unpaid order", request: () => ({ path: `/v1/orders/${fx.unpaidOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: unpaidFile.bytes }), status: 402, code: "OrderNotPaid" },
  { name: "upload for an expired order", request: () => ({ path: `/v1/orders/${fx.expiredOrder}/content`, method: "PUT", token: auth("alice"), headers: octet, body: expiredFile.bytes }), status: 410, code: "OrderExpired" },
  { name: "upload for another client's order", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("bob"), headers: octet, body: paidFile.bytes }), status: 403, code: "Forbidden" },
  { name: "upload for an unknown order", request: () => ({ path: `/v1/orders/${root("cd")}/content`, method: "PUT", token: auth("alice"), headers: octet, body: paidFile.bytes }), status: 404, code: "NotFound" },
  { name: "upload as text/plain", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), headers: { "content-type": "text/plain" }, body: "hello" }), status: 415, code: "BadRequest" },
  { name: "upload to a non-hex order id", request: () => ({ path: "/v1/orders/..%2F..%2Fetc/content", method: "PUT", token: auth("alice"), headers: octet, body: paidFile.bytes }), status: 400, code: "BadRequest" },
  // ── ownership proofs ──
  { name: "ownership proof for an order that is not deduplicated", request: () => ({ path: `/v1/orders/${fx.paidOrder}/content`, method: "PUT", token: auth("alice"), body: ownershipProofs(paidFile.bytes, [0]) }), status: 409, code: "Conflict" },
  { name: "ownership proof with no proofs", request: () => ({ path: `/v1/orders/${fx.bobDedupOrder}/content`, method: "PUT", token: auth("bob"), body: { proofs: [] } }), status: 400, code: "BadRequest" },
  {
    name: "ownership proof with a wrong chunk",
    request: () => {
      const body = ownershipProofs(storedFile.bytes, fx.bobDedupIndices);
      body.proofs[0]!.chunk = Buffer.from(new Uint8Array(1024)).toString("base64");
      return { path: `/v1/orders/${fx.bobDedupOrder}/content`, method: "PUT", token: auth("bob"), body };
    },
    status: 422,
    code: "OwnershipProofFailed",
  },
  {
    name: "ownership proof for other indices than challenged",
    request: () => {
      const others = [...Array(9).keys()].filter((i) => !fx.bobDedupIndices.includes(i));
      const indices = others.length > 0 ? [...fx.bobDedupIndices.slice(1), others[0]!] : fx.bobDedupIndices.slice(1);
      return { path: `/v1/orders/${fx.bobDedupOrder}/content`, method: "PUT", token: auth("bob"), body: ownershipProofs(storedFile.bytes, indices) };
    },
    status: 422,
    code: "OwnershipProofFailed",
  },
  {
    name: "ownership proof with a chunk that is not base64",
    request: () => {
      const body = ownershipProofs(storedFile.bytes, fx.bobDedupIndices);
      body.proofs[0]!.chunk = "%%%not-base64%%%";
      return { path: `/v1/orders/${fx.bobDedupOrder}/content`, method: "PUT", token: auth("bob"), body };
    },
    status: 422,
    code: "OwnershipProofFailed",
  },
  // ── orders ──
  { name: "another client's order", request: () => ({ path: `/v1/orders/${fx.storedOrder}`, token: auth("bob") }), status: 403, code: "Forbidden" },
  { name: "an unknown order", request: () => ({ path: `/v1/orders/${root("ef")}`, token: auth("alice") }), status: 404, code: "NotFound" },
  { name: "an order id that is not bytes32", request: () => ({ path: "/v1/orders/0x1234", token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "order list with limit 0", request: () => ({ path: "/v1/orders?limit=0", token: auth("alice") }), status: 400, code: "BadRequest" },
  // ── files (L) ──
  { name: "path traversal in L (encoded)", request: () => ({ path: "/v1/files/..%2F..%2Fetc%2Fpasswd", token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "path traversal in L (raw)", request: () => ({ path: "/v1/files/../../etc/passwd", rawPath: true, token: auth("alice") }), status: 404, code: "NotFound" },
  { name: "non-hex root in L", request: () => ({ path: `/v1/files/0x${"zz".repeat(32)}`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "root without 0x in L", request: () => ({ path: `/v1/files/${storedFile.root.slice(2)}`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "download of another client's file", request: () => ({ path: `/v1/files/${storedFile.root}`, token: auth("bob") }), status: 403, code: "Forbidden" },
  { name: "download without a session", request: () => ({ path: `/v1/files/${storedFile.root}`, token: null }), status: 401, code: "Unauthenticated" },
  { name: "audit index beyond the file", request: () => ({ path: `/v1/files/${storedFile.root}/audit?index=9`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit index not a number", request: () => ({ path: `/v1/files/${storedFile.root}/audit?index=-1`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit of another client's file", request: () => ({ path: `/v1/files/${storedFile.root}/audit?index=0`, token: auth("carol") }), status: 403, code: "Forbidden" },
  { name: "audit batch: an index beyond the file", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=2,9`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit batch: indices not increasing", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=5,2`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit batch: a repeated index", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=3,3`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit batch: not numbers", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=1,-2`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit batch: no indices", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit batch: 65 indices (64 at most)", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=${Array.from({ length: 65 }, (_, i) => i).join(",")}`, token: auth("alice") }), status: 400, code: "BadRequest" },
  { name: "audit batch of another client's file", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=0,1`, token: auth("carol") }), status: 403, code: "Forbidden" },
  { name: "audit batch without a session", request: () => ({ path: `/v1/files/${storedFile.root}/audit-batch?indices=0`, token: null }), status: 401, code: "Unauthenticated" },
  { name: "unknown route", request: () => ({ path: "/v1/nothing-here" }), status: 404, code: "NotFound" },
  // ── registration policies ──
  { name: "registration with an unknown field", request: () => ({ path: "/v1/registrations", method: "POST", token: auth("carol"), body: { admin: true } }), status: 400, code: "BadRequest" },
  {
    name: "allowlist refuses an address not on it",
    provider: () => allowlisted,
    request: async () => ({ path: "/v1/registrations", method: "POST", token: (await signIn({ baseUrl: allowlisted.baseUrl, account: bob })).token, body: {} }),
    status: 403,
    code: "RegistrationRefused",
  },
  {
    name: "invite policy refuses a missing code",
    provider: () => invited,
    request: async () => ({ path: "/v1/registrations", method: "POST", token: (await signIn({ baseUrl: invited.baseUrl, account: bob })).token, body: {} }),
    status: 403,
    code: "RegistrationRefused",
  },
  {
    name: "invite policy refuses a wrong code",
    provider: () => invited,
    request: async () => ({ path: "/v1/registrations", method: "POST", token: (await signIn({ baseUrl: invited.baseUrl, account: bob })).token, body: { inviteCode: "gamma-3" } }),
    status: 403,
    code: "RegistrationRefused",
  },
  {
    name: "invite policy refuses a code used before",
    provider: () => invited,
    request: async () => {
      const first = await signIn({ baseUrl: invited.baseUrl, account: alice });
      const done = await first.register({ inviteCode: "alpha-1" }).catch(() => undefined);
      if (done && done.alreadyRegistered) throw new Error("fixture: alice was registered already");
      return { path: "/v1/registrations", method: "POST", token: (await signIn({ baseUrl: invited.baseUrl, account: bob })).token, body: { inviteCode: "alpha-1" } };
    },
    status: 403,
    code: "RegistrationRefused",
  },
];

/** A request with a literal, un-normalised path (fetch would resolve "../"). */
function rawGet(baseUrl: string, path: string, token?: string | null): Promise<{ status: number; json: unknown }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: "GET", headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || "null") }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("bad requests change nothing", () => {
  it("has at least 30 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const provider = c.provider?.() ?? main;
    const spec = await c.request();
    const before = await snapshot(provider);
    const response = spec.rawPath
      ? await rawGet(provider.baseUrl, spec.path, spec.token)
      : await createProviderClient({ baseUrl: provider.baseUrl }).request(spec.path, spec);
    expect(response.json, JSON.stringify(response.json)).toMatchObject({ error: { code: c.code, message: expect.any(String) } });
    expect(response.status).toBe(c.status);
    expect(JSON.stringify(response.json)).not.toMatch(/at .*\.ts:\d+|stack/);
    await provider.server.sync();
    expect(await snapshot(provider)).toEqual(before);
  });

  it("the orders the bad requests aimed at are unchanged and unlinked", async () => {
    const a = createProviderClient({ baseUrl: main.baseUrl, token: fx.tokens.alice });
    const b = createProviderClient({ baseUrl: main.baseUrl, token: fx.tokens.bob });
    expect((await a.order(fx.paidOrder)).status).toBe("paid");
    expect((await a.order(fx.paidOrder)).receipt).toBeNull();
    expect((await a.order(fx.unpaidOrder)).status).toBe("quoted");
    expect((await a.order(fx.expiredOrder)).status).toBe("expired");
    expect((await b.order(fx.bobDedupOrder)).receipt).toBeNull();
    // After all those failures the real thing still works.
    const ok = await a.upload(fx.paidOrder, paidFile.bytes);
    expect(ok.orderId).toBe(fx.paidOrder);
    const proof = await b.proveOwnership(fx.bobDedupOrder, ownershipProofs(storedFile.bytes, fx.bobDedupIndices));
    expect(proof.deduplicated).toBe(true);
  });

  it("registration policies admit who they should", async () => {
    const allowed = await signIn({ baseUrl: allowlisted.baseUrl, account: alice });
    expect((await allowed.register()).alreadyRegistered).toBe(false);
    const invitee = await signIn({ baseUrl: invited.baseUrl, account: bob });
    const registered = await invitee.register({ inviteCode: "beta-2" });
    expect(registered.alreadyRegistered).toBe(false);
    expect(registered.txHash).toMatch(/^0x[0-9a-f]{64}$/);
  });
});
