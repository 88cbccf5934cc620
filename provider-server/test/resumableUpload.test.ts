// Resumable uploads (tus 1.0.0 core on /v1/orders/{id}/content) against a real hardhat node: the
// server in-process for the protocol cases, and as a child process killed with SIGKILL for the
// resume case. Every refusal is checked for what it leaves behind. In the `server` project the
// blobs are on disk; in `server-ceph` the same tests run against a real Ceph RGW bucket.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { receiptFor, verifyReceipt } from "@pekanu/protocol";
import type { Hex } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SEGMENT_SIZE } from "../src/blobs/BlobStore.ts";
import type { createS3BlobStore } from "../src/blobs/createS3BlobStore.ts";
import type { ProviderConfigInput } from "../src/config.ts";
import { s3Target } from "./support/s3Target.ts";
import {
  chainClients,
  createProviderClient,
  type HardhatNode,
  payQuote,
  type ProviderClient,
  type ProviderProcess,
  signIn,
  startHardhatNode,
  startProvider,
  startProviderProcess,
  type TestProvider,
  testAccount,
  testFile,
  testKey,
  waitFor,
} from "./support/index.ts";

let node: HardhatNode;
let provider: TestProvider;
let client: ProviderClient;
let clients: ReturnType<typeof chainClients>;
const alice = testAccount(1);
const running: ProviderProcess[] = [];
const { target } = s3Target();
const bucket = `pekanu-tus-${randomBytes(4).toString("hex")}`;
/** The blob store settings of this run: disk, or the S3 server the project provides. */
const blobConfig: Partial<ProviderConfigInput> = target
  ? {
      blobStore: "s3",
      s3: { endpoint: target.endpoint, bucket, region: target.region, forcePathStyle: true, createBucket: true, accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
    }
  : {};
const blobEnv: Record<string, string> = target
  ? {
      PEKANU_BLOB_STORE: "s3",
      PEKANU_S3_ENDPOINT: target.endpoint,
      PEKANU_S3_BUCKET: bucket,
      PEKANU_S3_CREATE_BUCKET: "true",
      PEKANU_S3_ACCESS_KEY_ID: target.accessKeyId,
      PEKANU_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
    }
  : {};

/** Nothing of an upload is left in the blob store: no partial file (disk), no open multipart upload (S3). */
async function expectNoPartials(fileRoot: Hex) {
  const blobs = provider.server.context.blobs;
  if (blobs.kind === "disk") {
    expect(await readdir(join(provider.dataDir, "partial"))).toEqual([]);
  } else {
    const s3 = blobs as ReturnType<typeof createS3BlobStore>;
    const open = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
    expect((open.Uploads ?? []).filter((u) => u.Key?.endsWith(fileRoot))).toEqual([]);
  }
}

const TUS = { "tus-resumable": "1.0.0", "content-type": "application/offset+octet-stream" };

beforeAll(async () => {
  node = await startHardhatNode();
  clients = chainClients({ rpcUrl: node.rpcUrl, key: testKey(1) });
  provider = await startProvider({ rpcUrl: node.rpcUrl, config: { uploadStallMs: 600, uploadLeaseMs: 3000, ...blobConfig } });
  client = await signIn({ baseUrl: provider.baseUrl, account: alice });
  await client.register();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  await provider?.stop();
  await node?.stop();
});

async function paidOrder(c: ProviderClient, contract: Hex, size: number) {
  const file = testFile(size);
  const quote = await c.quote({ fileRoot: file.root, size, storageDays: 1 });
  await payQuote({ clients, contract, quote });
  await waitFor(async () => (await c.order(quote.quote.orderId)).payment?.confirmed, { what: "payment confirmed" });
  return { file, orderId: quote.quote.orderId, quote };
}

const contentPath = (orderId: Hex) => `/v1/orders/${orderId}/content`;

async function headOffset(c: ProviderClient, orderId: Hex): Promise<number> {
  const response = await c.request(contentPath(orderId), { method: "HEAD", headers: { "tus-resumable": "1.0.0" } });
  expect(response.status).toBe(200);
  expect(response.headers.get("tus-resumable")).toBe("1.0.0");
  expect(response.headers.get("cache-control")).toBe("no-store");
  return Number(response.headers.get("upload-offset"));
}

const patch = (c: ProviderClient, orderId: Hex, offset: number, body: Uint8Array | ReadableStream<Uint8Array>) =>
  c.request(contentPath(orderId), { method: "PATCH", headers: { ...TUS, "upload-offset": String(offset) }, body });

/** A body that sends `bytes` in pieces, counting what it handed to fetch, then stalls (never ends) if `stall`. */
function countingStream(bytes: Uint8Array, { piece = 256 << 10, stall = false } = {}) {
  const counter = { sent: 0 };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (counter.sent >= bytes.length) {
        if (stall) return new Promise<void>(() => {});
        return controller.close();
      }
      const next = bytes.slice(counter.sent, counter.sent + piece);
      counter.sent += next.length;
      controller.enqueue(next);
    },
  });
  return { stream, counter };
}

function expectSigned(contract: Hex, quote: Awaited<ReturnType<typeof paidOrder>>["quote"], answer: { link: string; signature: Hex; signer: Hex }) {
  expect(answer.signer).toBe(testAccount(9).address);
  const receipt = receiptFor({ quote: quote.quote, link: answer.link });
  verifyReceipt({ domain: { chainId: 31337, verifyingContract: contract }, receipt, signature: answer.signature, signer: answer.signer });
}

describe("resumable uploads (tus core)", () => {
  it("OPTIONS advertises tus 1.0.0 and the largest size", async () => {
    const { orderId } = await paidOrder(client, provider.contract, 3000);
    const response = await client.request(contentPath(orderId), { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(response.headers.get("tus-version")).toBe("1.0.0");
    expect(response.headers.get("tus-max-size")).toBe(String(1024 ** 3));
  });

  it("uploads in PATCHes of any length (not segment aligned), each answered with the new offset, then σ; later PATCHes at the end answer the same σ", async () => {
    const size = 2 * SEGMENT_SIZE + 3000;
    const { file, orderId, quote } = await paidOrder(client, provider.contract, size);
    expect(await headOffset(client, orderId)).toBe(0);
    const step = 5 << 20;
    let offset = 0;
    let answer: { status: number; json: unknown; headers: Headers } | undefined;
    while (offset < size) {
      const end = Math.min(size, offset + step);
      answer = await patch(client, orderId, offset, file.bytes.slice(offset, end));
      expect(answer.headers.get("upload-offset")).toBe(String(end));
      if (end < size) {
        expect(answer.status).toBe(204);
        expect(await headOffset(client, orderId)).toBe(end);
      }
      offset = end;
    }
    expect(answer!.status).toBe(200);
    const receipt = answer!.json as { link: string; signature: Hex; signer: Hex; orderId: Hex };
    expect(receipt.orderId).toBe(orderId);
    expectSigned(provider.contract, quote, receipt);
    expect(await headOffset(client, orderId)).toBe(size);
    const again = await patch(client, orderId, size, new Uint8Array(0));
    expect(again.status).toBe(200);
    expect((again.json as { signature: Hex }).signature).toBe(receipt.signature);
    const download = await client.download(file.root);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
    // Nothing of the upload is left over.
    expect(await provider.server.context.store.uploads.get(orderId)).toBeUndefined();
    await expectNoPartials(file.root);
  });

  it("a wrong offset is refused with 409 and the server's offset, and changes nothing", async () => {
    const size = 10_000;
    const { file, orderId } = await paidOrder(client, provider.contract, size);
    expect((await patch(client, orderId, 0, file.bytes.slice(0, 4000))).status).toBe(204);
    for (const wrong of [0, 3999, 4001, 9000]) {
      const response = await patch(client, orderId, wrong, file.bytes.slice(wrong, wrong + 1000));
      expect(response.status).toBe(409);
      expect(response.headers.get("upload-offset")).toBe("4000");
      expect((response.json as { error: { code: string } }).error.code).toBe("Conflict");
    }
    expect(await headOffset(client, orderId)).toBe(4000);
    const done = await patch(client, orderId, 4000, file.bytes.slice(4000));
    expect(done.status).toBe(200);
  });

  it("a second PATCH while one is sending is refused (409, upload in progress); a stalled PATCH times out and what it sent is kept", async () => {
    const size = 3 * 1024 * 1024;
    const { file, orderId } = await paidOrder(client, provider.contract, size);
    const first = countingStream(file.bytes.slice(0, 1 << 20), { piece: 64 << 10, stall: true });
    const stalled = patch(client, orderId, 0, first.stream).catch((error: Error) => ({ error }));
    await waitFor(() => provider.server.context.busyOrders.has(orderId), { what: "first PATCH running" });
    const second = await patch(client, orderId, 0, file.bytes.slice(0, 1000));
    expect(second.status).toBe(409);
    expect((second.json as { error: { message: string } }).error.message).toMatch(/upload in progress/);
    // The first sender went quiet: after uploadStallMs it is cut off, its bytes are kept.
    await stalled;
    await waitFor(() => !provider.server.context.busyOrders.has(orderId), { what: "order released" });
    expect(await headOffset(client, orderId)).toBe(1 << 20);
    const rest = await patch(client, orderId, 1 << 20, file.bytes.slice(1 << 20));
    expect(rest.status).toBe(200);
    const download = await client.download(file.root);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
  });

  it("a wrong chunk is refused at the end (422 RootMismatch) and nothing of the upload is kept", async () => {
    const size = SEGMENT_SIZE + 5000;
    const { file, orderId } = await paidOrder(client, provider.contract, size);
    const wrong = file.bytes.slice();
    wrong[SEGMENT_SIZE - 10]! ^= 0xff;
    expect((await patch(client, orderId, 0, wrong.slice(0, SEGMENT_SIZE + 100))).status).toBe(204);
    const refused = await patch(client, orderId, SEGMENT_SIZE + 100, wrong.slice(SEGMENT_SIZE + 100));
    expect(refused.status).toBe(422);
    expect((refused.json as { error: { code: string } }).error.code).toBe("RootMismatch");
    expect(await headOffset(client, orderId)).toBe(0);
    expect(await provider.server.context.store.uploads.get(orderId)).toBeUndefined();
    await expectNoPartials(file.root);
    expect(await provider.server.context.blobs.has(file.root)).toBe(false);
    if (!target) expect(existsSync(join(provider.dataDir, "blobs", file.root))).toBe(false);
    expect(await provider.server.context.store.files.get(file.root)).toBeUndefined();
    expect((await client.order(orderId)).receipt).toBeNull();
    // The right bytes are then accepted from 0.
    const ok = await patch(client, orderId, 0, file.bytes);
    expect(ok.status).toBe(200);
  });

  it("bytes beyond the quoted size are refused (declared or streamed) and the offset stays", async () => {
    const size = 8000;
    const { file, orderId } = await paidOrder(client, provider.contract, size);
    expect((await patch(client, orderId, 0, file.bytes.slice(0, 3000))).status).toBe(204);
    const declared = await patch(client, orderId, 3000, new Uint8Array(size - 3000 + 1));
    expect(declared.status).toBe(422);
    expect((declared.json as { error: { code: string } }).error.code).toBe("SizeMismatch");
    const streamed = await patch(client, orderId, 3000, countingStream(new Uint8Array(size), { piece: 1000 }).stream);
    expect(streamed.status).toBe(422);
    expect(await headOffset(client, orderId)).toBe(3000);
  });

  it("refuses a PATCH without the tus version (412), with another content type (415), or from another client (403)", async () => {
    const { file, orderId } = await paidOrder(client, provider.contract, 2000);
    const noVersion = await client.request(contentPath(orderId), {
      method: "PATCH",
      headers: { "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: file.bytes,
    });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get("tus-version")).toBe("1.0.0");
    const wrongType = await client.request(contentPath(orderId), {
      method: "PATCH",
      headers: { ...TUS, "content-type": "application/octet-stream", "upload-offset": "0" },
      body: file.bytes,
    });
    expect(wrongType.status).toBe(415);
    const bob = await signIn({ baseUrl: provider.baseUrl, account: testAccount(2) });
    expect((await patch(bob, orderId, 0, file.bytes)).status).toBe(403);
    expect((await bob.request(contentPath(orderId), { method: "HEAD" })).status).toBe(403);
    expect((await patch(createProviderClient({ baseUrl: provider.baseUrl }), orderId, 0, file.bytes)).status).toBe(401);
    expect(await headOffset(client, orderId)).toBe(0);
  });

  it("a server killed with SIGKILL mid-upload resumes from the last saved segment: the client resends at most one segment", async () => {
    const server = await startProviderProcess({ rpcUrl: node.rpcUrl, env: { PEKANU_UPLOAD_LEASE_MS: "1000", ...blobEnv }, timeoutMs: 180_000 });
    running.push(server);
    const c = await signIn({ baseUrl: server.baseUrl, account: alice });
    await c.register();
    const size = 3 * SEGMENT_SIZE + 5000;
    const { file, orderId, quote } = await paidOrder(c, server.contract, size);
    // 2.5 segments, then the sender stalls; the server is killed once two segments are saved.
    const firstPart = file.bytes.slice(0, 2 * SEGMENT_SIZE + SEGMENT_SIZE / 2);
    const sending = countingStream(firstPart, { stall: true });
    const upload = patch(c, orderId, 0, sending.stream).catch((error: Error) => ({ error }));
    const dbPath = join(server.dataDir, "provider.sqlite");
    const savedOffset = () => {
      const db = new DatabaseSync(dbPath, { readOnly: true });
      try {
        return (db.prepare("SELECT upload_offset AS o FROM uploads WHERE order_id = ?").get(orderId) as { o: number } | undefined)?.o ?? 0;
      } finally {
        db.close();
      }
    };
    await waitFor(() => savedOffset() >= 2 * SEGMENT_SIZE && sending.counter.sent === firstPart.length, { what: "two segments saved", timeoutMs: 180_000 });
    await server.kill();
    expect(await server.exited).toBe("SIGKILL");
    expect("error" in (await upload)).toBe(true);
    const sentBeforeCrash = sending.counter.sent;

    const again = await startProviderProcess({ rpcUrl: node.rpcUrl, dataDir: server.dataDir, port: server.port, env: { PEKANU_UPLOAD_LEASE_MS: "1000", ...blobEnv }, timeoutMs: 180_000 });
    running.push(again);
    const resumed = createProviderClient({ baseUrl: again.baseUrl, token: c.token! });
    const offset = await headOffset(resumed, orderId);
    expect(offset).toBe(2 * SEGMENT_SIZE);
    const resent = sentBeforeCrash - offset;
    expect(resent).toBeGreaterThan(0);
    expect(resent).toBeLessThanOrEqual(SEGMENT_SIZE);
    // The dead writer's lease runs out after PEKANU_UPLOAD_LEASE_MS; then the rest goes through.
    const done = await waitFor(
      async () => {
        const response = await patch(resumed, orderId, offset, file.bytes.slice(offset));
        return response.status === 409 ? undefined : response;
      },
      { what: "resumed PATCH accepted", timeoutMs: 120_000 },
    );
    expect(done.status).toBe(200);
    expectSigned(again.contract, quote, done.json as { link: string; signature: Hex; signer: Hex });
    // Counted over the whole upload: the client sent the file once plus `resent` bytes.
    const totalSent = sentBeforeCrash + (size - offset);
    expect(totalSent - size).toBe(resent);
    expect(totalSent - size).toBeLessThanOrEqual(SEGMENT_SIZE);
    const download = await resumed.download(file.root);
    expect(Buffer.from(download.bytes).equals(Buffer.from(file.bytes))).toBe(true);
  }, 400_000); // two server processes and 24 MiB hashed twice: slow on a loaded 2-core machine
});
