// Talks to the hashing worker: the commitment of a File with progress, ownership proofs.
import { parseEncryptionHeader } from "@pekanu/protocol/encryption";
import { removeDownload } from "../lib/encryption/opfsSink.ts";
import type { HashRequest, HashResponse } from "../workers/hash.worker.ts";

type Pending = { resolve: (r: HashResponse) => void; reject: (e: Error) => void; onProgress?: (done: number, total: number) => void };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL("../workers/hash.worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<HashResponse>) => {
    const message = event.data;
    const entry = pending.get(message.id);
    if (!entry) return;
    if (message.kind === "progress") {
      entry.onProgress?.(message.bytes, message.total);
      return;
    }
    pending.delete(message.id);
    if (message.kind === "error") entry.reject(Object.assign(new Error(message.message), message.code ? { code: message.code } : {}));
    else entry.resolve(message);
  };
  worker.onerror = (event) => {
    for (const [id, entry] of pending) {
      entry.reject(new Error(event.message || "the hashing worker failed"));
      pending.delete(id);
    }
    worker = null;
  };
  return worker;
}

type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

function call(request: DistributiveOmit<HashRequest, "id">, onProgress?: (done: number, total: number) => void): Promise<HashResponse> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
    getWorker().postMessage({ ...request, id } as HashRequest);
  });
}

export async function commitFile(file: Blob, onProgress?: (bytes: number, total: number) => void) {
  const answer = await call({ kind: "commit", file }, onProgress);
  if (answer.kind !== "committed") throw new Error("unexpected answer from the hashing worker");
  return answer;
}

export async function proveFile(file: Blob, indices: number[], expectedRoot: string, onProgress?: (done: number, total: number) => void) {
  const answer = await call({ kind: "prove", file, indices, expectedRoot }, onProgress);
  if (answer.kind !== "proved") throw new Error("unexpected answer from the hashing worker");
  return answer.items;
}

/**
 * Encrypt-while-committing in the worker (docs/encryption.md): the commitment of the ciphertext the
 * provider will store. `again` (the key and header of a chosen file) encrypts the same File to the
 * same bytes: the check when a file is selected again for its upload.
 */
export async function commitEncryptedFile(
  file: Blob,
  { mode, again }: { mode: "private" | "convergent"; again?: { key: Uint8Array; header: Uint8Array; segmentSize: number } },
  onProgress?: (bytes: number, total: number) => void,
) {
  const answer = await call(
    {
      kind: "commitEncrypted",
      file,
      mode,
      ...(again && mode === "private" ? { key: again.key, salt: parseEncryptionHeader(again.header).salt } : {}),
      ...(again ? { segmentSize: again.segmentSize } : {}),
    },
    onProgress,
  );
  if (answer.kind !== "committedEncrypted") throw new Error("unexpected answer from the hashing worker");
  return answer;
}

/** Ownership proof of the ciphertext of `file` (its key and header). */
export async function proveEncryptedFile(file: Blob, indices: number[], expectedRoot: string, encryption: { key: Uint8Array; header: Uint8Array }, onProgress?: (done: number, total: number) => void) {
  const answer = await call({ kind: "prove", file, indices, expectedRoot, encryption }, onProgress);
  if (answer.kind !== "proved") throw new Error("unexpected answer from the hashing worker");
  return answer.items;
}

/**
 * Downloads and decrypts in the worker, streaming into a temporary file on disk (OPFS): every
 * segment is authenticated and the root checked before the file is handed back; on any failure the
 * temporary file is deleted and the error names the segment. `removeDecrypted(name)` once saved.
 */
export async function decryptToFile(
  { url, token, key, expectedRoot, expectedSize }: { url: string; token: string | null; key: Uint8Array; expectedRoot: `0x${string}`; expectedSize?: number },
  onProgress?: (received: number, total: number) => void,
): Promise<{ file: File; name: string; ms: number }> {
  const answer = await call({ kind: "decrypt", source: { url, token }, key, expectedRoot, ...(expectedSize !== undefined ? { expectedSize } : {}) }, onProgress);
  if (answer.kind !== "decrypted") throw new Error("unexpected answer from the hashing worker");
  const dir = await navigator.storage.getDirectory();
  const file = await (await dir.getFileHandle(answer.name)).getFile();
  return { file, name: answer.name, ms: answer.ms };
}

/** Deletes a decrypted download's temporary file (after the browser copied it to Downloads). */
export const removeDecrypted = (name: string) => removeDownload(name);

/** Deletes temporary download files an earlier session left behind (a crash, a closed page). */
export const sweepDecrypted = () => removeDownload().catch(() => undefined);

/** Seals a vault export with a passphrase in the worker (scrypt N=2^17 takes seconds). */
export async function sealExport(json: string, passphrase: string): Promise<string> {
  const answer = await call({ kind: "seal", json, passphrase });
  if (answer.kind !== "sealed") throw new Error("unexpected answer from the hashing worker");
  return answer.text;
}

/** Opens a vault export in the worker; a failure has the VaultExportError `code` (e.g. "WrongPassphrase"). */
export async function unsealExport(text: string, passphrase?: string): Promise<{ json: string; sealed: boolean }> {
  const answer = await call({ kind: "unseal", text, ...(passphrase !== undefined ? { passphrase } : {}) });
  if (answer.kind !== "unsealed") throw new Error("unexpected answer from the hashing worker");
  return { json: answer.json, sealed: answer.sealed };
}
