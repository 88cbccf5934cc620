import { describe, expect, it } from "vitest";
import { resumableUpload, UploadCancelledError, uploadRate, type UploadProgress } from "./resumableUpload.ts";

/** A provider keeping the verified prefix: HEAD answers its offset, PATCH appends at that offset only. */
function tusProvider({ size, segment = 4, failAt = [] as number[], offlineTimes = 0 }: { size: number; segment?: number; failAt?: number[]; offlineTimes?: number }) {
  const received: number[] = [];
  let offset = 0;
  let offline = offlineTimes;
  const log: string[] = [];
  const fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    if (offline > 0 && method === "PATCH") {
      offline--;
      log.push("offline");
      throw new TypeError("Failed to fetch");
    }
    if (method === "HEAD") {
      log.push(`HEAD ${offset}`);
      return new Response(null, { status: 200, headers: { "Upload-Offset": String(offset), "Upload-Length": String(size) } });
    }
    const at = Number(new Headers(init!.headers).get("Upload-Offset"));
    log.push(`PATCH ${at}`);
    if (at !== offset) return new Response(JSON.stringify({ error: { code: "Conflict" } }), { status: 409, headers: { "Upload-Offset": String(offset) } });
    const bytes = new Uint8Array(await (init!.body as Blob).arrayBuffer());
    // The provider crashes after receiving part of a segment: it keeps only whole segments.
    if (failAt.includes(at)) {
      failAt.splice(failAt.indexOf(at), 1);
      throw new TypeError("connection reset");
    }
    received.push(...bytes);
    offset += bytes.length;
    void segment;
    if (offset === size) return new Response(JSON.stringify({ ok: true }), { status: 200, headers: { "Upload-Offset": String(offset) } });
    return new Response(null, { status: 204, headers: { "Upload-Offset": String(offset) } });
  }) as typeof globalThis.fetch;
  return { fetch, received, log, offset: () => offset };
}

const file = (n: number) => new Blob([new Uint8Array(n).map((_, i) => i % 256)]);

describe("resumable upload (client)", () => {
  it("sends the file in segments and returns the provider's final answer", async () => {
    const p = tusProvider({ size: 10 });
    const progress: UploadProgress[] = [];
    const answer = await resumableUpload({ url: "http://p/c", token: "t", file: file(10), segmentSize: 4, onProgress: (x) => progress.push(x), fetch: p.fetch, sleep: async () => undefined });
    expect(answer).toEqual({ status: 200, body: JSON.stringify({ ok: true }) });
    expect(p.received).toEqual([...new Uint8Array(10).map((_, i) => i)]);
    expect(p.log).toEqual(["HEAD 0", "PATCH 0", "PATCH 4", "PATCH 8"]);
    expect(progress.map((x) => x.sent)).toEqual([0, 4, 8]);
  });

  it("after a failure resumes from what the provider has, never resending the verified prefix", async () => {
    const p = tusProvider({ size: 12, failAt: [8] });
    const answer = await resumableUpload({ url: "u", token: null, file: file(12), segmentSize: 4, onProgress: () => undefined, fetch: p.fetch, sleep: async () => undefined });
    expect(answer?.status).toBe(200);
    // Bytes 0–7 were sent once: after the failure at 8, the provider's HEAD says 8.
    expect(p.log).toEqual(["HEAD 0", "PATCH 0", "PATCH 4", "PATCH 8", "HEAD 8", "PATCH 8"]);
    expect(p.received).toHaveLength(12);
  });

  it("a new upload of a half-stored file starts at the provider's offset", async () => {
    const p = tusProvider({ size: 8 });
    await resumableUpload({ url: "u", token: null, file: file(8), segmentSize: 4, onProgress: () => undefined, fetch: p.fetch, signal: AbortSignal.abort() }).catch((e) => expect(e).toBeInstanceOf(UploadCancelledError));
    const first = tusProvider({ size: 8 });
    // Simulate 4 bytes already there.
    await first.fetch("u", { method: "PATCH", headers: { "Upload-Offset": "0" }, body: file(4) });
    first.log.length = 0;
    await resumableUpload({ url: "u", token: null, file: file(8), segmentSize: 4, onProgress: () => undefined, fetch: first.fetch, sleep: async () => undefined });
    expect(first.log).toEqual(["HEAD 4", "PATCH 4"]);
  });

  it("says 'provider offline' and retries with backoff while it is unreachable", async () => {
    const p = tusProvider({ size: 4, offlineTimes: 2 });
    const progress: UploadProgress[] = [];
    const waits: number[] = [];
    const answer = await resumableUpload({ url: "u", token: null, file: file(4), segmentSize: 4, onProgress: (x) => progress.push(x), fetch: p.fetch, sleep: async (ms) => void waits.push(ms) });
    expect(answer?.status).toBe(200);
    expect(progress.filter((x) => x.offline).map((x) => x.retryInMs)).toEqual([1000, 2000]);
    expect(waits).toEqual([1000, 2000]);
  });

  it("waits with backoff while the provider still holds an earlier writer (409 upload in progress, e.g. after its restart), then continues", async () => {
    const p = tusProvider({ size: 8 });
    let busyTimes = 2;
    const inner = p.fetch;
    const fetch = (async (url: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === "PATCH" && busyTimes > 0) {
        busyTimes--;
        p.log.push("busy");
        return new Response(JSON.stringify({ error: { code: "Conflict", message: "upload in progress: another request is sending this order's content; retry later" } }), { status: 409, headers: { "Upload-Offset": "0" } });
      }
      return inner(url, init);
    }) as typeof globalThis.fetch;
    const progress: UploadProgress[] = [];
    const waits: number[] = [];
    const answer = await resumableUpload({ url: "u", token: null, file: file(8), segmentSize: 4, onProgress: (x) => progress.push(x), fetch, sleep: async (ms) => void waits.push(ms) });
    expect(answer?.status).toBe(200);
    expect(p.log).toEqual(["HEAD 0", "busy", "HEAD 0", "busy", "HEAD 0", "PATCH 0", "PATCH 4"]);
    expect(waits).toEqual([500, 1000]);
    expect(progress.filter((x) => x.offline).map((x) => x.reason)).toEqual(["busy", "busy"]);
    // Never given up on silently: a writer that never goes away ends with the 409 after the bounded waits.
    const stuck = (async (_u: RequestInfo | URL, init?: RequestInit) =>
      init?.method === "HEAD"
        ? new Response(null, { status: 200, headers: { "Upload-Offset": "0" } })
        : new Response(JSON.stringify({ error: { code: "Conflict", message: "upload in progress" } }), { status: 409 })) as typeof globalThis.fetch;
    const gaveUp = await resumableUpload({ url: "u", token: null, file: file(8), segmentSize: 4, onProgress: () => undefined, fetch: stuck, sleep: async () => undefined, maxBusyAttempts: 3 });
    expect(gaveUp?.status).toBe(409);
  });

  it("falls back to the single PUT when the provider has no resumable uploads", async () => {
    const fetch = (async () => new Response(null, { status: 405 })) as typeof globalThis.fetch;
    expect(await resumableUpload({ url: "u", token: null, file: file(4), onProgress: () => undefined, fetch })).toBeNull();
  });

  it("computes speed and time left from the last 10 s", () => {
    expect(uploadRate([{ at: 0, sent: 0 }, { at: 2000, sent: 2_000_000 }], 10_000_000)).toEqual({ bytesPerSecond: 1_000_000, secondsLeft: 8 });
    expect(uploadRate([], 1)).toEqual({ bytesPerSecond: 0, secondsLeft: null });
  });
});
