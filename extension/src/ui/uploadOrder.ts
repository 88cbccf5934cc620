// One paid order's upload, from the page that holds its file (file bytes never cross to the
// background): the background leases the order to this page, the bytes go to the provider
// resumably (tus: HEAD for its offset, PATCH segments from there; one PUT for a provider without
// it), progress and the outcome go back to the background. Used by the batch queue.
import { hexToBytes } from "viem";
import { ciphertextSource } from "../lib/encryption/ciphertextSource.ts";
import { resumableUpload, UploadCancelledError, type UploadProgress } from "../lib/resumableUpload.ts";
import type { UploadTarget } from "../lib/messages.ts";
import { send } from "./background.ts";
import { proveEncryptedFile, proveFile } from "./hashing.ts";
import { PAGE_LEASE_ID } from "./lease.ts";
import { uploadFile } from "./transfer.ts";

export type UploadOutcome = { ok: true } | { ok: false; paused: boolean; message: string };

/** Bytes this page put on the wire per order (PATCH/PUT bodies, a failed attempt counted whole): what a resume re-sent. */
export type UploadStats = { firstOffset: number | null; attemptedBytes: number; requests: number };
const stats = new Map<string, UploadStats>();
(globalThis as unknown as { pekanuUploadStats?: Map<string, UploadStats> }).pekanuUploadStats = stats;

export function uploadStats(orderId: string): UploadStats {
  let s = stats.get(orderId);
  if (!s) stats.set(orderId, (s = { firstOffset: null, attemptedBytes: 0, requests: 0 }));
  return s;
}

function countingFetch(s: UploadStats): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    if ((init?.method === "PATCH" || init?.method === "PUT") && init.body instanceof Blob) {
      s.requests++;
      s.attemptedBytes += init.body.size;
      const at = Number(new Headers(init.headers).get("Upload-Offset") ?? 0);
      if (s.firstOffset === null) s.firstOffset = at;
    }
    return fetch(input, init);
  }) as typeof fetch;
}

export async function uploadOrder({
  orderId,
  file,
  signal,
  onProgress,
}: {
  orderId: string;
  file: File;
  signal: AbortSignal;
  onProgress: (progress: UploadProgress) => void;
}): Promise<UploadOutcome> {
  const target = await send<UploadTarget>({ type: "order.uploadTarget", leaseId: PAGE_LEASE_ID, orderId });
  if (target.mode === "ownershipProof") {
    const indices = target.indices ?? [];
    const onProved = (done: number, total: number) => onProgress({ sent: done, total, offline: false, retryInMs: null });
    const enc = target.encryption;
    // A deduplicated encrypted file proves chunks of its ciphertext (what the provider stores).
    const proofs = enc
      ? await proveEncryptedFile(file, indices, target.fileRoot, { key: hexToBytes(enc.key), header: hexToBytes(enc.header) }, onProved)
      : await proveFile(file, indices, target.fileRoot, onProved);
    await send({ type: "order.submitOwnershipProof", leaseId: PAGE_LEASE_ID, proofs, orderId });
    return { ok: true };
  }
  // An encrypted file is sent as its ciphertext, encrypted range by range as it goes.
  const enc = target.encryption;
  const source = enc ? await ciphertextSource({ blob: file, key: enc.key, header: enc.header }) : file;
  await send({ type: "order.uploadStarted", leaseId: PAGE_LEASE_ID, total: source.size, orderId });
  const s = uploadStats(orderId);
  const report = (p: UploadProgress) => {
    onProgress(p);
    if (!p.offline) void send({ type: "order.uploadProgress", leaseId: PAGE_LEASE_ID, sent: p.sent, total: p.total, orderId }).catch(() => undefined);
  };
  let result;
  try {
    result =
      (await resumableUpload({ url: target.url, token: target.token, file: source, signal, onProgress: report, fetch: countingFetch(s) })) ??
      (await uploadFile({
        url: target.url,
        token: target.token,
        file: source instanceof Blob ? source : await source.slice(0, source.size),
        signal,
        onProgress: (sent, total) => report({ sent, total, offline: false, retryInMs: null }),
      }));
  } catch (err) {
    const paused = err instanceof UploadCancelledError || signal.aborted;
    const message = paused ? "Paused: it continues where it stopped when you resume." : err instanceof Error ? err.message : String(err);
    await send({ type: "order.uploadInterrupted", leaseId: PAGE_LEASE_ID, reason: message, orderId }).catch(() => undefined);
    return { ok: false, paused, message };
  }
  if (result.status < 200 || result.status >= 300) {
    const message = `The provider refused the upload (${result.status}).`;
    await send({ type: "order.uploadInterrupted", leaseId: PAGE_LEASE_ID, reason: message, status: result.status, body: result.body.slice(0, 20_000), orderId }).catch(() => undefined);
    return { ok: false, paused: false, message };
  }
  let body: unknown = null;
  try {
    body = JSON.parse(result.body);
  } catch {
    body = null;
  }
  await send({ type: "order.uploadFinished", leaseId: PAGE_LEASE_ID, body, orderId });
  return { ok: true };
}
