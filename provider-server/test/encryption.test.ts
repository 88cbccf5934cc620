// Client-side encryption against the real provider server and a real chain (docs/encryption.md):
// the server is unchanged and only ever sees ciphertext. Convergent files deduplicate across
// clients (the second proves ownership of ciphertext chunks), private ones never do, a storage
// challenge is answered on chain with a ciphertext chunk, and no key reaches the server or its logs.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { formatShareLink, parseShareLink, serverContractAbi, shareGrantMessage, type QuoteResponse } from "@pekanu/protocol";
import { decryptBytes, deriveConvergentKey, encryptBytes, generateFileKey } from "@pekanu/protocol/encryption";
import { bytesToHex, fileRootOf } from "@pekanu/protocol/merkle";
import { nodeSha256 } from "@pekanu/protocol/node";
import { decodeFunctionData, type Hex } from "viem";
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
  testAccount,
  testKey,
  waitFor,
} from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;
const logLines: string[] = [];
const alice = testAccount(1);
const bob = testAccount(2);

beforeAll(async () => {
  node = await startHardhatNode();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  provider = await startProvider({ rpcUrl: node.rpcUrl, config: { logLevel: "trace" }, log: { level: "trace", destination } });
  for (const account of [alice, bob]) await (await signIn({ baseUrl: provider.baseUrl, account })).register();
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n)); // n ≤ 65536
const rootOf = (bytes: Uint8Array) => fileRootOf(bytes, { sha256: nodeSha256 }) as Hex;
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

async function order(account: typeof alice, key: 1 | 2, ciphertext: Uint8Array) {
  const client = await signIn({ baseUrl: provider.baseUrl, account });
  const quote = await client.quote({ fileRoot: rootOf(ciphertext), size: ciphertext.length, storageDays: 2 });
  await payQuote({ clients: chainClients({ rpcUrl: node.rpcUrl, key: testKey(key) }), contract: provider.contract, quote });
  await chainControl({ rpcUrl: node.rpcUrl }).mine(1);
  return { client, quote };
}

/** Every byte the provider keeps on disk (database, blobs), as hex. */
async function providerDiskHex(): Promise<string> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.push(hexOf(await readFile(path)));
    }
  };
  await walk(provider.dataDir);
  return out.join("|");
}

describe("encrypted files at a real provider", () => {
  const plaintext = random(40_000);
  const secretChunk = plaintext.subarray(0, 1024);
  const convergentKey = deriveConvergentKey({ plaintextRoot: rootOf(plaintext) });
  let aliceOrder: { quote: QuoteResponse; link: string; signature: Hex; ciphertext: Uint8Array };

  it("convergent: two clients, one file; the second uploads nothing, proves ownership of ciphertext chunks, and both decrypt the same bytes", async () => {
    // Each client encrypts on its own: same key, same ciphertext, same root.
    const aliceCiphertext = await encryptBytes({ key: deriveConvergentKey({ plaintextRoot: rootOf(plaintext) }), mode: "convergent", plaintext });
    const bobCiphertext = await encryptBytes({ key: deriveConvergentKey({ plaintextRoot: rootOf(plaintext.slice()) }), mode: "convergent", plaintext: plaintext.slice() });
    expect(rootOf(bobCiphertext)).toBe(rootOf(aliceCiphertext));

    const a = await order(alice, 1, aliceCiphertext);
    expect(a.quote.deduplicated).toBe(false);
    const receipt = await a.client.upload(a.quote.quote.orderId, aliceCiphertext);
    aliceOrder = { quote: a.quote, link: receipt.link, signature: receipt.signature, ciphertext: aliceCiphertext };

    const b = await order(bob, 2, bobCiphertext);
    expect(b.quote.deduplicated).toBe(true);
    const answer = await b.client.proveOwnership(b.quote.quote.orderId, ownershipProofs(bobCiphertext, b.quote.ownershipChallenge!.indices));
    expect(answer.deduplicated).toBe(true);

    for (const [client, key] of [[a.client, convergentKey], [b.client, deriveConvergentKey({ plaintextRoot: rootOf(plaintext) })]] as const) {
      const download = await client.download(rootOf(aliceCiphertext));
      expect(download.status).toBe(200);
      expect(await decryptBytes({ key, ciphertext: new Uint8Array(download.bytes) })).toEqual(plaintext);
    }
  });

  it("private: the same file stored twice gives two different roots (no deduplication)", async () => {
    const first = await encryptBytes({ key: generateFileKey(), mode: "private", plaintext });
    const second = await encryptBytes({ key: generateFileKey(), mode: "private", plaintext });
    expect(rootOf(first)).not.toBe(rootOf(second));
    const { quote } = await order(alice, 1, second);
    expect(quote.deduplicated).toBe(false);
    expect(quote.quote.fileRoot).not.toBe(rootOf(first));
  });

  it("a storage challenge is answered on chain with ciphertext only: the calldata holds no plaintext chunk", async () => {
    const { quote, link, signature, ciphertext } = aliceOrder;
    const orderId = quote.quote.orderId;
    const clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
    const reader = contractReader({ rpcUrl: node.rpcUrl, address: provider.contract });
    const { challengeBond } = await reader.params();
    // Contract v2: the client names the chunk it challenges (here chunk 1), one bond per named chunk.
    const hash = await clients.walletClient.writeContract({ address: provider.contract, abi: serverContractAbi, functionName: "challengeStorage", args: [quote.quote, link, signature, [1n]], value: challengeBond });
    expect((await clients.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    const events = () => provider.server.context.store.chainEvents.forOrder(orderId);
    await waitFor(async () => (await events()).some((e) => e.name === "StorageProven"), { what: "challenge answered" });
    const challenged = (await events()).find((e) => e.name === "StorageChallenged")!;
    const proven = (await events()).find((e) => e.name === "StorageProven")!;
    // Contract v2: the client named the chunk (here chunk 1).
    const index = Number((challenged.args.chunkIndices as unknown[])[0]);
    expect(index).toBe(1);

    const tx = await clients.publicClient.getTransaction({ hash: proven.txHash as Hex });
    const call = decodeFunctionData({ abi: serverContractAbi, data: tx.input });
    expect(call.functionName).toBe("respondStorage");
    const chunk = ((call.args as readonly unknown[])[2] as readonly Hex[])[0]!;
    // The answer is the ciphertext's chunk …
    expect(chunk).toBe(bytesToHex(ciphertext.subarray(index * 1024, (index + 1) * 1024)));
    // … and no plaintext chunk appears anywhere in the calldata (nor any 32-byte window of one).
    const calldata = tx.input.slice(2);
    for (let c = 0; c * 1024 < plaintext.length; c++) {
      const plainChunk = plaintext.subarray(c * 1024, (c + 1) * 1024);
      expect(calldata.includes(hexOf(plainChunk))).toBe(false);
      for (let o = 0; o + 32 <= plainChunk.length; o += 256) expect(calldata.includes(hexOf(plainChunk.subarray(o, o + 32)))).toBe(false);
    }
  });

  it("a share link: anyone holding it downloads that one file without a session; a forged, expired, foreign or misplaced grant is refused", async () => {
    const { link } = aliceOrder;
    const fileRoot = rootOf(aliceOrder.ciphertext);
    const { chainId, verifyingContract: contract } = provider.server.context.domain;
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const grant = async (account: typeof alice, root: Hex, until = expiresAt) =>
      `${until}.${await account.signMessage({ message: shareGrantMessage({ fileRoot: root, chainId, contract, expiresAt: until }) })}`;
    const get = (url: string) => fetch(url).then(async (r) => ({ status: r.status, bytes: new Uint8Array(await r.arrayBuffer()) }));
    const url = formatShareLink({ link, key: convergentKey, grant: { expiresAt, signature: (await grant(alice, fileRoot)).split(".")[1] as Hex } });
    const share = parseShareLink(url);
    expect(share.fileRoot).toBe(fileRoot.toLowerCase());
    const shared = await get(share.downloadUrl);
    expect(shared.status).toBe(200);
    expect(shared.bytes).toEqual(aliceOrder.ciphertext);
    expect(await decryptBytes({ key: share.key, ciphertext: shared.bytes })).toEqual(plaintext);
    // No grant, no session: refused as before.
    expect((await get(link)).status).toBe(401);
    // Expired; a signature over another file's root; a signer holding no order for it (carol); a damaged signature.
    const carol = testAccount(5);
    const otherRoot = rootOf(random(100));
    for (const [query, status] of [
      [await grant(alice, fileRoot, Math.floor(Date.now() / 1000) - 1), 401],
      [await grant(alice, otherRoot), 403],
      [await grant(carol, fileRoot), 403],
      [`${expiresAt}.0x${"00".repeat(65)}`, 401],
      ["12.0x12", 401],
    ] as const) {
      const answer = await get(`${link}?share=${query}`);
      expect(answer.status, query.slice(0, 20)).toBe(status);
      expect(answer.bytes.length).toBeLessThan(1000); // an error body, never the file
    }
    // A grant only opens the download: the audit route still needs the owner's session.
    expect((await fetch(`${link}/audit?index=0&share=${await grant(alice, fileRoot)}`)).status).toBe(401);
    expect((await fetch(`${link}/audit?index=0`)).status).toBe(401);
  });

  it("the key and the plaintext never reach the provider: not on its disk, not in its logs (even when a share link's fragment is opened)", async () => {
    const keyHex = hexOf(convergentKey);
    // A share link L#k=<key>: the fragment is not part of the request.
    const shared = `${aliceOrder.link}#k=${keyHex}`;
    const response = await fetch(shared);
    expect(response.status).not.toBe(500);
    await response.arrayBuffer();
    const logs = logLines.join("");
    expect(logs.length).toBeGreaterThan(1000); // the server did log (trace level): requests, tasks, chain events
    expect(logs.toLowerCase()).not.toContain(keyHex);
    expect(logs).not.toContain(Buffer.from(convergentKey).toString("base64"));
    const disk = await providerDiskHex();
    expect(disk).toContain(hexOf(aliceOrder.ciphertext.subarray(2048, 3072))); // it stores the ciphertext
    expect(disk).not.toContain(keyHex);
    expect(disk).not.toContain(hexOf(secretChunk.subarray(0, 64)));
  });
});
