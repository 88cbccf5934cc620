// Talks to the compute worker: downloads a job's inputs and result (bearer token) and checks them there.
import type { ComputeTargets } from "../background/controllers/compute.ts";
import type { CheckJobResultAnswer } from "../lib/compute/checkJobResult.ts";
import type { JobRecord } from "../lib/vault/jobSchema.ts";
import type { ComputeWorkerRequest, ComputeWorkerResponse } from "../workers/compute.worker.ts";
import { send } from "./background.ts";

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (a: CheckJobResultAnswer) => void; reject: (e: Error) => void }>();

function getWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL("../workers/compute.worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent<ComputeWorkerResponse>) => {
    const entry = pending.get(event.data.id);
    if (!entry) return;
    pending.delete(event.data.id);
    if (event.data.kind === "error") entry.reject(new Error(event.data.message));
    else entry.resolve(event.data.answer);
  };
  worker.onerror = (event) => {
    for (const [id, entry] of pending) {
      entry.reject(new Error(event.message || "the checking worker failed"));
      pending.delete(id);
    }
    worker = null;
  };
  return worker;
}

async function download(target: { url: string; token: string | null; size: number }): Promise<ArrayBuffer> {
  const response = await fetch(target.url, { headers: target.token ? { Authorization: `Bearer ${target.token}` } : {} });
  if (!response.ok) throw new Error(`The provider answered ${response.status} to the download.`);
  return response.arrayBuffer();
}

/** The job's three files, downloaded from the provider (the result is kept for "Download result"). */
export async function downloadJobFiles(job: JobRecord): Promise<{ a: ArrayBuffer; b: ArrayBuffer; c: ArrayBuffer }> {
  const targets = await send<ComputeTargets>({ type: "compute.targets", key: job.key });
  const [a, b, c] = await Promise.all([download(targets.a), download(targets.b), download(targets.result)]);
  return { a, b, c };
}

/** Checks a job's result in the worker (the buffers are copied, the caller keeps its own). */
export function checkInWorker(job: JobRecord, files: { a: ArrayBuffer; b: ArrayBuffer; c: ArrayBuffer }): Promise<CheckJobResultAnswer> {
  const id = nextId++;
  const request: ComputeWorkerRequest = {
    id,
    kernel: job.kernel,
    m: job.quote.m,
    k: job.quote.k,
    n: job.quote.n,
    a: files.a.slice(0),
    b: files.b.slice(0),
    c: files.c.slice(0),
    roots: { a: job.inputs.a.fileRoot, b: job.inputs.b.fileRoot, c: job.receipt!.resultRoot },
  };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    getWorker().postMessage(request, [request.a, request.b, request.c]);
  });
}
