// Seed steps 1–13 over HTTP against a real EVM (hardhat node): deploy, sign-in, registration,
// quote, payment with confirmations, streamed upload, σ and L, download with Range, audit; then the
// deduplicated path with a second client, and a restart on the same data dir.
import {
  type PekanuDomain,
  type QuoteResponse,
  decodeAuditBatch,
  fileLink,
  receiptFor,
  serverContractAbi,
  verifyQuote,
  verifyReceipt,
} from "@pekanu/protocol";
import { chunkCount, nodeSha256, verifyInclusion } from "@pekanu/protocol/node";
import { verifyMultiProof } from "@pekanu/protocol/merkle";
import { parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HardhatNode,
  type TestProvider,
  chainClients,
  chainControl,
  contractReader,
  ownershipProofs,
  payQuote,
  signIn,
  startHardhatNode,
  startProvider,
  streamOf,
  testAccount,
  testFile,
  testKey,
  waitFor,
} from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;
let domain: PekanuDomain;

beforeAll(async () => {
  node = await startHardhatNode();
  // Two confirmations, so the test can watch a payment go from seen to confirmed.
  provider = await startProvider({ rpcUrl: node.rpcUrl, config: { confirmations: 2 } });
  domain = { chainId: 31337, verifyingContract: provider.contract };
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

const file = testFile(20_000); // 20 chunks, the last one 544 bytes
const alice = testAccount(1);
const bob = testAccount(2);

describe("provider flow, seed steps 1–13", () => {
  let quoteId: `0x${string}`;
  let aliceQuote: QuoteResponse;
  let aliceReceipt: { link: string; signature: `0x${string}` };

  it("step 1: deploys ServerContract on first start with the configured signer and stake", async () => {
    const reader = contractReader({ rpcUrl: node.rpcUrl, address: provider.contract });
    const { publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
    expect(await publicClient.getCode({ address: provider.contract })).toMatch(/^0x[0-9a-f]{100,}/);
    expect(await reader.signer()).toBe(testAccount(9).address);
    expect((await reader.stake())[0]).toBe(100n * 10n ** 18n);

    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const info = await client.info();
    expect(info.chainId).toBe(31337);
    expect(info.contract.address.toLowerCase()).toBe(provider.contract.toLowerCase());
    expect(info.signer).toBe(testAccount(9).address);
    expect(info.owner).toBe(testAccount(0).address);
    expect(info.abi.length).toBeGreaterThan(10);
    expect(info.params.responseWindow).toBe("60");
  });

  it("steps 2–4: SIWE sign-in and on-chain registration with the tx hash and ClientRegistered event", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const registration = await client.register();
    expect(registration.alreadyRegistered).toBe(false);
    expect(registration.address).toBe(alice.address);
    expect(registration.contractAddress.toLowerCase()).toBe(provider.contract.toLowerCase());
    expect(registration.chainId).toBe(31337);
    expect(registration.abi.length).toBeGreaterThan(10);

    // Step 7, as the client does it: the transaction's receipt, its event, and isRegistered.
    const { publicClient } = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
    const receipt = await publicClient.getTransactionReceipt({ hash: registration.txHash! });
    expect(receipt.status).toBe("success");
    const events = parseEventLogs({ abi: serverContractAbi, logs: receipt.logs, eventName: "ClientRegistered" });
    expect(events).toHaveLength(1);
    expect(events[0]!.args.client).toBe(alice.address);
    expect(await contractReader({ rpcUrl: node.rpcUrl, address: provider.contract }).isRegistered(alice.address)).toBe(true);

    // Idempotent: the same answer, the original transaction.
    const again = await client.register();
    expect(again.alreadyRegistered).toBe(true);
    expect(again.txHash).toBe(registration.txHash);
  });

  it("steps 5–6: a signed quote the client verifies against the contract's signer", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const quote = await client.quote({ fileRoot: file.root, size: file.size, storageDays: 3 });
    const signer = await contractReader({ rpcUrl: node.rpcUrl, address: provider.contract }).signer();
    expect(() => verifyQuote({ domain, quote: quote.quote, signature: quote.signature, signer })).not.toThrow();
    expect(quote.deduplicated).toBe(false);
    expect(quote.ownershipChallenge).toBeNull();
    expect(quote.quote.client).toBe(alice.address);
    expect(quote.quote.fileRoot).toBe(file.root);
    expect(quote.quote.size).toBe(BigInt(file.size));
    // 1 started MiB × 3 days × 1e12 wei is below the 1e13 minimum price.
    expect(quote.quote.price).toBe(10n ** 13n);
    expect(quote.quote.fine).toBe(2n * 10n ** 13n);
    expect(quote.quote.storageUntil - quote.quote.expiresAt).toBe(3n * 86_400n - 900n);
    quoteId = quote.quote.orderId;
    aliceQuote = quote;

    const order = await client.order(quoteId);
    expect(order.status).toBe("quoted");
    expect(order.payment).toBeNull();
    expect(order.chainState).toBe("None");
  });

  it("steps 9–11: the payment is seen, then confirmed after the required confirmations", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
    const paid = await payQuote({ clients, contract: provider.contract, quote: aliceQuote });

    const seen = await client.order(quoteId);
    expect(seen.status).toBe("paid");
    expect(seen.chainState).toBe("Paid");
    expect(seen.payment).toEqual({ txHash: paid.txHash, blockNumber: paid.blockNumber, confirmations: 1, requiredConfirmations: 2, confirmed: false });

    // Not confirmed yet: no content accepted.
    await expect(client.upload(quoteId, file.bytes)).rejects.toMatchObject({ status: 402, code: "OrderNotPaid" });

    await chainControl({ rpcUrl: node.rpcUrl }).mine(1);
    const confirmed = await client.order(quoteId);
    expect(confirmed.payment).toMatchObject({ txHash: paid.txHash, confirmations: 2, confirmed: true });
  });

  it("steps 12–13: streamed upload verified while streaming; σ and L verify against the on-chain signer", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const answer = await client.upload(quoteId, streamOf(file.bytes));
    expect(answer.orderId).toBe(quoteId);
    expect(answer.deduplicated).toBe(false);
    expect(answer.link).toBe(fileLink({ baseUrl: provider.baseUrl, fileRoot: file.root }));
    const order = await client.order(quoteId);
    const signer = await contractReader({ rpcUrl: node.rpcUrl, address: provider.contract }).signer();
    expect(answer.signer).toBe(signer);
    expect(() =>
      verifyReceipt({ domain, receipt: receiptFor({ quote: order.quote, link: answer.link }), signature: answer.signature, signer }),
    ).not.toThrow();
    expect(order.status).toBe("stored");
    expect(order.receipt).toEqual({ link: answer.link, signature: answer.signature });
    aliceReceipt = { link: answer.link, signature: answer.signature };

    // Idempotent: a second PUT answers the same σ.
    const again = await client.upload(quoteId, file.bytes);
    expect(again.signature).toBe(answer.signature);

    const list = await client.orders();
    expect(list.orders.map((o) => o.orderId)).toContain(quoteId);
    expect(list.orders.find((o) => o.orderId === quoteId)!.status).toBe("stored");
  });

  it("GET L: download returns the same bytes; Range requests answer 206 / 416", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const path = new URL(aliceReceipt.link).pathname;
    const full = await client.request(path);
    expect(full.status).toBe(200);
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    expect(Buffer.from(full.bytes).equals(Buffer.from(file.bytes))).toBe(true);

    const part = await client.download(file.root, "bytes=1000-2047");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1000-2047/${file.size}`);
    expect(Buffer.from(part.bytes).equals(Buffer.from(file.bytes.subarray(1000, 2048)))).toBe(true);

    const tail = await client.download(file.root, "bytes=-100");
    expect(tail.status).toBe(206);
    expect(Buffer.from(tail.bytes).equals(Buffer.from(file.bytes.subarray(file.size - 100)))).toBe(true);

    const open = await client.download(file.root, "bytes=19990-");
    expect(open.status).toBe(206);
    expect(open.bytes.length).toBe(10);

    const beyond = await client.download(file.root, `bytes=${file.size}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${file.size}`);
    expect(beyond.json).toMatchObject({ error: { code: "RangeNotSatisfiable" } });
  });

  it("audit: a chunk and its inclusion proof verify against the root", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    for (const index of [0, 7, 19]) {
      const audit = await client.audit(file.root, index);
      const chunk = Buffer.from(audit.chunk, "base64");
      expect(audit.size).toBe(BigInt(file.size));
      expect(chunk.equals(Buffer.from(file.bytes.subarray(index * 1024, index * 1024 + 1024)))).toBe(true);
      expect(verifyInclusion({ root: file.root, index, treeSize: chunkCount(file.size), proof: audit.proof, chunk, sha256: nodeSha256 })).toBe(true);
    }
  });

  it("audit batch: several chunks in one binary answer with one shared proof, verified against the root; bad requests get exact errors", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const indices = [0, 7, 19];
    const answer = await client.request(`/v1/files/${file.root}/audit-batch?indices=${indices.join(",")}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/octet-stream");
    const batch = decodeAuditBatch(answer.bytes);
    expect(batch.size).toBe(file.size);
    expect(batch.indices).toEqual(indices);
    expect(batch.chunks.map((c) => c.length)).toEqual([1024, 1024, 544]);
    indices.forEach((index, i) => expect(Buffer.from(batch.chunks[i]!).equals(Buffer.from(file.bytes.subarray(index * 1024, index * 1024 + 1024)))).toBe(true));
    expect(verifyMultiProof({ root: file.root, indices, chunks: batch.chunks, treeSize: chunkCount(file.size), proof: batch.proof, sha256: nodeSha256 })).toBe(true);
    // Fewer bytes than the three JSON answers, and fewer hashes than three separate paths.
    let json = 0;
    for (const index of indices) json += (await client.request(`/v1/files/${file.root}/audit?index=${index}`)).bytes.length;
    expect(answer.bytes.length).toBe(16 + 8 * 3 + 1024 + 1024 + 544 + 32 * batch.proof.length);
    expect(answer.bytes.length).toBeLessThan(json * 0.65);
    expect(batch.proof.length).toBeLessThan(3 * 5);

    const error = async (path: string, token?: string | null) => {
      const r = await client.request(path, token === undefined ? {} : { token });
      return { status: r.status, ...(r.json as { error: { code: string; message: string } }).error };
    };
    expect(await error(`/v1/files/${file.root}/audit-batch?indices=3,20`)).toEqual({ status: 400, code: "BadRequest", message: "indices must be below 20, the file's chunk count" });
    expect(await error(`/v1/files/${file.root}/audit-batch?indices=4,3`)).toMatchObject({ status: 400, code: "BadRequest", message: expect.stringContaining("indices must be strictly increasing") });
    expect(await error(`/v1/files/${file.root}/audit-batch?indices=${Array.from({ length: 65 }, (_, i) => i).join(",")}`)).toMatchObject({ status: 400, code: "BadRequest", message: expect.stringContaining("at most 64") });
    const carol = await signIn({ baseUrl: provider.baseUrl, account: testAccount(7) });
    expect(await error(`/v1/files/${file.root}/audit-batch?indices=0`, carol.token)).toEqual({ status: 403, code: "Forbidden", message: "you hold no stored order for this file" });
    expect(await error(`/v1/files/${file.root}/audit-batch?indices=0`, null)).toMatchObject({ status: 401, code: "Unauthenticated" });
  });

  it("deduplication: a second client proves ownership of k chunks instead of uploading", async () => {
    const client = await signIn({ baseUrl: provider.baseUrl, account: bob });
    await client.register();
    const quote = await client.quote({ fileRoot: file.root, size: file.size, storageDays: 1 });
    expect(quote.deduplicated).toBe(true);
    const indices = quote.ownershipChallenge!.indices;
    expect(indices).toHaveLength(8);
    expect(new Set(indices).size).toBe(8);
    expect(indices.every((i) => i >= 0 && i < 20)).toBe(true);
    // Asking again reveals no other chunks: the unanswered indices are repeated.
    for (let i = 0; i < 3; i++) {
      const again = await client.quote({ fileRoot: file.root, size: file.size, storageDays: 1 });
      expect(again.ownershipChallenge!.indices).toEqual(indices);
    }

    const clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(2) });
    await payQuote({ clients, contract: provider.contract, quote });
    await chainControl({ rpcUrl: node.rpcUrl }).mine(1);

    // A wrong chunk: refused, nothing linked, no new indices revealed.
    const bad = ownershipProofs(file.bytes, indices);
    bad.proofs[3]!.chunk = Buffer.from(new Uint8Array(1024).fill(7)).toString("base64");
    await expect(client.proveOwnership(quote.quote.orderId, bad)).rejects.toMatchObject({ status: 422, code: "OwnershipProofFailed" });
    // Missing one index: refused as well.
    const partial = ownershipProofs(file.bytes, indices.slice(1));
    await expect(client.proveOwnership(quote.quote.orderId, partial)).rejects.toMatchObject({ code: "OwnershipProofFailed" });
    const afterFailure = await client.order(quote.quote.orderId);
    expect(afterFailure.receipt).toBeNull();
    expect(afterFailure.status).toBe("paid");
    expect((await client.download(file.root)).status).toBe(403);

    // The right chunks: bob gets his own σ for his own order.
    const answer = await client.proveOwnership(quote.quote.orderId, ownershipProofs(file.bytes, indices));
    expect(answer.deduplicated).toBe(true);
    expect(answer.orderId).toBe(quote.quote.orderId);
    expect(answer.signature).not.toBe(aliceReceipt.signature);
    const signer = await contractReader({ rpcUrl: node.rpcUrl, address: provider.contract }).signer();
    expect(() =>
      verifyReceipt({ domain, receipt: receiptFor({ quote: quote.quote, link: answer.link }), signature: answer.signature, signer }),
    ).not.toThrow();
    const download = await client.download(file.root);
    expect(download.status).toBe(200);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
  });

  it("status page and JSON show the contract, stake and orders without secrets", async () => {
    const page = await fetch(`${provider.baseUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain(provider.contract);
    expect(html).toContain("OrderPaid");
    const status = (await (await fetch(`${provider.baseUrl}/v1/status`)).json()) as Record<string, any>;
    expect(status.contract.signerMatches).toBe(true);
    expect(status.orders.stored).toBe(2);
    expect(status.files.count).toBe(1);
    expect(BigInt(status.stake.locked)).toBeGreaterThan(0n);
    const text = html + JSON.stringify(status);
    for (const index of [0, 9]) expect(text.toLowerCase()).not.toContain(testKey(index).slice(2).toLowerCase());
    const health = await (await fetch(`${provider.baseUrl}/healthz`)).json();
    expect(health).toMatchObject({ ok: true });
  });

  it("a restart on the same data dir attaches to the same contract and neither misses nor repeats events", async () => {
    await provider.server.sync();
    const eventsBefore = (await provider.server.context.store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM chain_events"))!;
    const dataDir = provider.dataDir;
    const address = provider.contract;
    await provider.stop({ keepData: true });

    // While the server is down: a third client registers by hand (owner tx) — the restart must see it.
    const owner = chainClients({ rpcUrl: node.rpcUrl, key: testKey(0) });
    const carol = testAccount(3);
    await owner.publicClient.waitForTransactionReceipt({
      hash: await owner.walletClient.writeContract({ address, abi: serverContractAbi, functionName: "registerClient", args: [carol.address] }),
    });

    provider = await startProvider({ rpcUrl: node.rpcUrl, dataDir, config: { confirmations: 2 } });
    expect(provider.contract).toBe(address);
    await chainControl({ rpcUrl: node.rpcUrl }).mine(1);
    await provider.server.sync();
    const db = provider.server.context.store.db;
    const eventsAfter = (await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM chain_events"))!;
    expect(Number(eventsAfter.n)).toBe(Number(eventsBefore.n) + 1);
    expect(Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM chain_events WHERE name = 'OrderPaid'"))!.n)).toBe(2);
    expect(await provider.server.context.store.clients.get(carol.address)).toMatchObject({ registered: true });

    const client = await signIn({ baseUrl: provider.baseUrl, account: alice });
    const order = await client.order(quoteId);
    expect(order.status).toBe("stored");
    const again = await client.register();
    expect(again.alreadyRegistered).toBe(true);
    const carolClient = await signIn({ baseUrl: provider.baseUrl, account: carol });
    const carolRegistration = await carolClient.register();
    expect(carolRegistration.alreadyRegistered).toBe(true);
    expect(carolRegistration.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    await waitFor(() => provider.server.context.follower.status().healthy, { what: "follower healthy" });
  });

  it("another data dir can attach to the contract: the deploy block is found and the history followed", async () => {
    const attached = await startProvider({ rpcUrl: node.rpcUrl, config: { contractAddress: provider.contract } });
    try {
      const { deployment, store } = attached.server.context;
      expect(deployment.address).toBe(provider.contract);
      expect(deployment.deployedByUs).toBe(false);
      expect(deployment.deployBlock).toBe(provider.server.context.deployment.deployBlock);
      await attached.server.sync();
      expect(await store.clients.get(alice.address)).toMatchObject({ registered: true });
      expect(await store.clients.get(bob.address)).toMatchObject({ registered: true });
    } finally {
      await attached.stop();
    }
  });

  it("refuses a chain id other than the configured one, and a data dir of another contract", async () => {
    await expect(startProvider({ rpcUrl: node.rpcUrl, config: { chainId: 1 } })).rejects.toThrow(/serves chain 31337, not the configured chain 1/);
    const other = await startProvider({ rpcUrl: node.rpcUrl });
    await other.stop({ keepData: true });
    await expect(startProvider({ rpcUrl: node.rpcUrl, dataDir: other.dataDir, config: { contractAddress: provider.contract } })).rejects.toThrow(
      /belongs to contract/,
    );
  });

  it("answers CORS only for the extension's origin on the API, not on the status or for web pages", async () => {
    const extension = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";
    const preflight = (path: string, origin: string) =>
      fetch(`${provider.baseUrl}${path}`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
    const response = await preflight("/v1/quotes", extension);
    expect(response.status).toBe(204);
    // Any extension id is accepted on a local chain (siweExtensionIds "local"); it is echoed, never "*".
    expect(response.headers.get("access-control-allow-origin")).toBe(extension);
    expect(response.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(response.headers.get("vary")).toContain("origin");
    const info = await fetch(`${provider.baseUrl}/v1/info`, { headers: { origin: extension } });
    expect(info.headers.get("access-control-allow-origin")).toBe(extension);
    // A web page's origin, a malformed extension origin, and the operator's status get nothing.
    for (const [path, origin] of [["/v1/quotes", "https://evil.example"], ["/v1/quotes", "chrome-extension://abc"], ["/v1/status", extension]] as const) {
      const refused = await preflight(path, origin);
      expect(refused.headers.get("access-control-allow-origin"), `${path} ${origin}`).toBeNull();
      expect(refused.status, `${path} ${origin}`).toBe(405);
    }
    const status = await fetch(`${provider.baseUrl}/v1/status`, { headers: { origin: extension } });
    expect(status.headers.get("access-control-allow-origin")).toBeNull();
    const page = await fetch(`${provider.baseUrl}/`);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
