// Resumable upload of a paid order's file (tus 1.0.0 core on the order's content URL, see the
// provider's HEAD/PATCH): asks the provider how much it already has, sends the rest in segments,
// and after a failure asks again and continues from there — never from 0. While the provider is
// unreachable it retries with backoff and says so ("provider offline"). A provider without
// resumable uploads answers HEAD with 404/405: the caller falls back to one PUT.
export const UPLOAD_SEGMENT = 8 << 20;
const TUS = { "Tus-Resumable": "1.0.0" };

export type UploadProgress = { sent: number; total: number; offline: boolean; retryInMs: number | null };
export type UploadAnswer = { status: number; body: string };

export class UploadCancelledError extends Error {
  constructor() {
    super("The upload was paused or cancelled.");
    this.name = "UploadCancelledError";
  }
}

export type ResumableUploadParameters = {
  url: string;
  token: string | null;
  /** The bytes to send: a File, or a source computing each range when asked (a ciphertext). */
  file: Blob | { size: number; slice(start: number, end: number): Promise<Blob> };
  onProgress: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  segmentSize?: number;
  /** Attempts while the provider is unreachable before giving up (default: ~10 minutes of retries). */
  maxOfflineAttempts?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
};

/** null: the provider has no resumable uploads (use the single PUT). */
export async function resumableUpload({
  url,
  token,
  file,
  onProgress,
  signal,
  segmentSize = UPLOAD_SEGMENT,
  maxOfflineAttempts = 25,
  fetch: fetchImpl = fetch.bind(globalThis),
  sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
}: ResumableUploadParameters): Promise<UploadAnswer | null> {
  const auth: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const total = file.size;
  let offline = 0;

  const request = async (init: RequestInit): Promise<Response | "offline"> => {
    if (signal?.aborted) throw new UploadCancelledError();
    try {
      return await fetchImpl(url, { ...init, signal });
    } catch (err) {
      if (signal?.aborted) throw new UploadCancelledError();
      void err;
      return "offline";
    }
  };
  const waitOffline = async (sent: number) => {
    offline++;
    if (offline > maxOfflineAttempts) throw new Error("The provider stayed unreachable; the upload stopped. It continues from where it was when you retry.");
    const retryInMs = Math.min(30_000, 1000 * 2 ** Math.min(offline - 1, 5));
    onProgress({ sent, total, offline: true, retryInMs });
    await sleep(retryInMs);
  };

  /** The provider's verified offset (HEAD), or null when it does not speak tus. */
  const head = async (sent: number): Promise<number | null> => {
    for (;;) {
      const response = await request({ method: "HEAD", headers: { ...TUS, ...auth }, cache: "no-store" });
      if (response === "offline") {
        await waitOffline(sent);
        continue;
      }
      const offset = response.headers.get("Upload-Offset");
      // No offset: a provider without resumable uploads (404/405 or a plain answer); the PUT
      // fallback then meets whatever else is wrong (an expired session, …) and says so.
      if (!response.ok || offset === null) return null;
      return Number(offset);
    }
  };

  let offset = await head(0);
  if (offset === null) return null;
  onProgress({ sent: offset, total, offline: false, retryInMs: null });
  for (;;) {
    if (offset >= total) {
      // Everything is there already: a PATCH of nothing at the end asks for the receipt.
      const done = await request({ method: "PATCH", headers: { ...TUS, ...auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(total) }, body: new Blob([]) });
      if (done === "offline") {
        await waitOffline(offset);
        continue;
      }
      return { status: done.status, body: await done.text() };
    }
    const end = Math.min(total, offset + segmentSize);
    const response = await request({
      method: "PATCH",
      headers: { ...TUS, ...auth, "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset) },
      body: await file.slice(offset, end),
    });
    if (response === "offline") {
      await waitOffline(offset);
      const at = await head(offset);
      if (at === null) return null;
      offset = at;
      continue;
    }
    if (response.status === 409) {
      // Another offset than ours (a segment the provider did not keep, or another writer): ask again.
      const body = await response.text();
      if (/upload-in-progress/i.test(body)) return { status: 409, body };
      const at = await head(offset);
      if (at === null) return null;
      offset = at;
      continue;
    }
    if (response.status === 204) {
      offline = 0; // a segment went through: the next outage starts its backoff afresh
      offset = Number(response.headers.get("Upload-Offset") ?? end);
      onProgress({ sent: offset, total, offline: false, retryInMs: null });
      continue;
    }
    return { status: response.status, body: await response.text() };
  }
}

/** Speed (bytes/s) and time left (s) from progress samples: a moving window of the last 10 s. */
export function uploadRate(samples: { at: number; sent: number }[], total: number): { bytesPerSecond: number; secondsLeft: number | null } {
  const last = samples.at(-1);
  if (!last) return { bytesPerSecond: 0, secondsLeft: null };
  const first = samples.find((s) => last.at - s.at <= 10_000) ?? samples[0]!;
  const seconds = (last.at - first.at) / 1000;
  const bytesPerSecond = seconds > 0 ? (last.sent - first.sent) / seconds : 0;
  return { bytesPerSecond, secondsLeft: bytesPerSecond > 0 ? Math.ceil((total - last.sent) / bytesPerSecond) : null };
}
