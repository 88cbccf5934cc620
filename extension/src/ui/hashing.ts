// Talks to the hashing worker: the commitment of a File with progress, ownership proofs.
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
    if (message.kind === "error") entry.reject(new Error(message.message));
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
