import { fileLink } from "@pekanu/protocol";
import { jobReceiptFor, jobReceiptTypedData } from "@pekanu/protocol/compute";
import type { Logger } from "pino";
import type { Hex } from "viem";
import { Worker } from "node:worker_threads";
import type { ServerContext } from "../context.ts";
import type { JobRecord } from "../store/jobStore.ts";
import { flipResultEntry } from "./flipResultEntry.ts";
import type { JobWorkerInput, JobWorkerMessage } from "./jobWorker.ts";
import { publishJobReceipt } from "./publishJobReceipt.ts";
import { storeResult } from "./storeResult.ts";

/** States in which a job's price can no longer be earned: nothing is computed for it. */
const closed = new Set(["Refunded", "Penalized", "Fraudulent", "Settled"]);

export type JobQueue = ReturnType<typeof createJobQueue>;

class JobStopped extends Error {}

/**
 * The compute worker: paid jobs run in FIFO order, at most `concurrency` at once, each in its own
 * worker thread (jobWorker.ts) so the server keeps answering. A job: read both inputs, compute,
 * store the result as a blob (content-addressed: a re-run stores nothing new), sign the JobReceipt
 * (deterministic signature: a re-run signs the same), record it (status done), publish it on chain.
 * Restart-safe: every step is recorded, and `resume` queues again what was queued or running, and
 * done jobs whose receipt is not on chain yet; the payment itself is only ever the chain's JobPaid.
 */
export function createJobQueue({ getContext, log, concurrency }: { getContext: () => ServerContext; log: Logger; concurrency: number }) {
  const waiting: Hex[] = [];
  const known = new Set<Hex>();
  const progress = new Map<Hex, number>();
  const workers = new Set<Worker>();
  const active = new Set<Promise<void>>();
  let running = 0;
  let stopping = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (running === 0 && waiting.length === 0) {
      for (const resolve of idleWaiters.splice(0)) resolve();
    }
  };

  /** Idle worker threads, kept between jobs (loading the kernel's modules takes seconds under load). */
  const idleWorkers: Worker[] = [];
  const spawnWorker = () => {
    const worker = new Worker(new URL("./jobWorker.ts", import.meta.url));
    workers.add(worker);
    worker.on("exit", () => {
      workers.delete(worker);
      const at = idleWorkers.indexOf(worker);
      if (at >= 0) idleWorkers.splice(at, 1);
    });
    worker.on("error", (error) => log.error({ err: error.message }, "compute worker thread failed"));
    worker.unref();
    return worker;
  };

  const compute = (input: JobWorkerInput, jobId: Hex): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const worker = idleWorkers.pop() ?? spawnWorker();
      worker.ref();
      let finished = false;
      const done = (error: Error | undefined, result?: Uint8Array) => {
        if (finished) return;
        finished = true;
        worker.off("message", onMessage);
        worker.off("exit", onExit);
        worker.off("error", onError);
        if (error) {
          reject(error);
          return;
        }
        worker.unref();
        if (!stopping) idleWorkers.push(worker);
        resolve(result!);
      };
      const onMessage = (message: JobWorkerMessage) => {
        if (message.type === "progress") progress.set(jobId, Math.min(0.99, message.progress));
        else if (message.type === "done") done(undefined, message.result);
        else if (message.type === "error") {
          // The thread is fine: the job was refused (e.g. a malformed input); keep it for the next one.
          done(Object.assign(new Error(message.message), { code: message.code }));
          worker.unref();
          if (!stopping) idleWorkers.push(worker);
        }
      };
      const onError = (error: Error) => done(error);
      const onExit = () => done(stopping ? new JobStopped("stopping") : new Error("the worker thread ended without a result"));
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage(input, [input.a.buffer as ArrayBuffer, input.b.buffer as ArrayBuffer]);
    });

  const readBlob = async (ctx: ServerContext, fileRoot: Hex): Promise<Uint8Array> => {
    const size = await ctx.blobs.size(fileRoot);
    if (size === undefined) throw new Error(`input ${fileRoot} is no longer stored`);
    const buffer = await ctx.blobs.readRange({ fileRoot, start: 0, length: size });
    // A private copy: its buffer is handed to the worker thread.
    return new Uint8Array(buffer);
  };

  async function process(jobId: Hex): Promise<void> {
    const ctx = getContext();
    let job = await ctx.store.jobs.get(jobId);
    if (!job || job.paidTx === null) return;
    if (!job.receipt) {
      if (job.chainState !== null && closed.has(job.chainState)) return;
      await ctx.store.jobs.setStatus({ jobId, status: "running" });
      progress.set(jobId, 0);
      try {
        const q = job.quote;
        const [a, b] = await Promise.all([readBlob(ctx, q.inputA), readBlob(ctx, q.inputB)]);
        const started = performance.now();
        const result = await compute({ kernel: q.kernel, m: q.m, k: q.k, n: q.n, a, b }, jobId);
        if (ctx.compute!.flipResult) {
          const at = flipResultEntry({ result, m: q.m, n: q.n });
          log.warn({ jobId, ...at }, "TEST: result entry flipped (--test-flip-result)");
        }
        const { root, size } = await storeResult({ ctx, bytes: result });
        const link = fileLink({ baseUrl: ctx.config.publicBaseUrl, fileRoot: root });
        const receipt = jobReceiptFor({ quote: q, result: { resultRoot: root, resultSize: BigInt(size), link } });
        const signature = await ctx.chain.signer.signTypedData(jobReceiptTypedData({ domain: ctx.compute!.domain, receipt }));
        await ctx.store.jobs.setReceipt({ jobId, receipt: { resultRoot: root, resultSize: size, link, signature, signer: ctx.chain.signer.address } });
        log.info({ jobId, resultRoot: root, size, ms: Math.round(performance.now() - started) }, "job computed");
      } catch (error) {
        if (error instanceof JobStopped) return; // still "running": resumed after the restart
        const message = (error as Error).message.split("\n")[0]!;
        log.error({ jobId, err: message }, "job failed");
        await ctx.store.jobs.setStatus({ jobId, status: "failed", error: message });
        return;
      } finally {
        progress.delete(jobId);
      }
      job = (await ctx.store.jobs.get(jobId))!;
    }
    await publish(ctx, job);
  }

  async function publish(ctx: ServerContext, job: JobRecord): Promise<void> {
    for (let attempt = 0; attempt < 5 && !stopping; attempt++) {
      try {
        await publishJobReceipt({ ctx, job });
        return;
      } catch (error) {
        log.warn({ jobId: job.quote.jobId, err: (error as Error).message.split("\n")[0], attempt }, "publishing the job receipt failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
        job = (await ctx.store.jobs.get(job.quote.jobId)) ?? job;
      }
    }
    // Left for the next start (resume) or the delivery-dispute answer, which publishes it too.
  }

  function pump(): void {
    while (!stopping && running < concurrency && waiting.length > 0) {
      const jobId = waiting.shift()!;
      running++;
      const work = process(jobId)
        .catch((error) => log.error({ jobId, err: (error as Error).message }, "job queue error"))
        .finally(() => {
          running--;
          known.delete(jobId);
          active.delete(work);
          pump();
          settleIdle();
        });
      active.add(work);
    }
    settleIdle();
  }

  return {
    /** Queues a paid job (once: a job already queued or running is not added again). */
    enqueue(jobId: Hex): void {
      const id = jobId.toLowerCase() as Hex;
      if (stopping || known.has(id)) return;
      known.add(id);
      waiting.push(id);
      pump();
    },
    /** After a (re)start: queues again the jobs that were queued or running, and done jobs not yet published. */
    async resume(): Promise<number> {
      const ctx = getContext();
      const jobs = [
        ...(await ctx.store.jobs.withStatus({ status: "running", limit: 10_000 })),
        ...(await ctx.store.jobs.withStatus({ status: "queued", limit: 10_000 })),
        ...(await ctx.store.jobs.unpublished({ limit: 10_000 })),
      ];
      for (const job of jobs) this.enqueue(job.quote.jobId);
      if (jobs.length > 0) log.info({ jobs: jobs.length }, "compute jobs resumed");
      return jobs.length;
    },
    /** Starts the worker threads ahead of the first job (their modules load while the server idles). */
    warm(): void {
      while (!stopping && idleWorkers.length < concurrency) idleWorkers.push(spawnWorker());
    },
    /** Share done of a running job (undefined when not running). */
    progress: (jobId: Hex): number | undefined => progress.get(jobId.toLowerCase() as Hex),
    /** Resolves when nothing is queued or running (tests). */
    idle(): Promise<void> {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    /** Ends the worker threads now; their jobs stay "running" and are resumed after the next start. */
    async stop(): Promise<void> {
      stopping = true;
      waiting.length = 0;
      await Promise.all([...workers].map((w) => w.terminate()));
      await Promise.all([...active]);
      idleWaiters.forEach((r) => r());
      idleWaiters = [];
    },
  };
}
