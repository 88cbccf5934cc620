// Hashing worker: file commitment, ownership proofs and download checks off the UI thread.
// (An ownership proof hashes the whole file once for its segment roots, exactly like a commitment.)
// The page posts a File (structured clone, no copy of its bytes); progress comes back as messages.
//
// For a commitment of more than one segment this worker coordinates: it hands segment numbers to
// helpers — more copies of this same script, as nested workers, one per core (at most 4) — which
// read their segments from the File themselves and only ever get "segment" requests. With one
// thread, or where nested workers cannot start, it reads and hashes everything itself.
import {
  commitSegments,
  getSubtreeHasher,
  HelperLostError,
  readBlobSegment,
  SEGMENT_SIZE,
  type Commitment,
  type SegmentHelper,
} from "../lib/commitBlob.ts";
import { proveOwnership } from "../lib/proveOwnership.ts";

type Parallelism = {
  /** Most threads to hash with (default: the machine's cores, at most 4). */
  threads?: number;
  /** Segments handed to a helper before it answers (default 2). */
  inFlight?: number;
};

export type HashRequest =
  | ({ id: number; kind: "commit"; file: Blob } & Parallelism)
  /** The commitment of bytes already in memory (moved here, not copied). */
  | ({ id: number; kind: "commitBytes"; bytes: ArrayBuffer } & Parallelism)
  | { id: number; kind: "prove"; file: Blob; indices: number[]; expectedRoot: string }
  /** To a helper: segment `index` of a File, or the segment's own bytes. */
  | { id: number; kind: "segment"; source: Blob | ArrayBuffer; index: number; segmentSize: number };

export type HashResponse =
  | { id: number; kind: "progress"; bytes: number; total: number }
  | ({ id: number; kind: "committed"; ms: number } & Commitment)
  | { id: number; kind: "proved"; items: { index: number; chunk: string; proof: `0x${string}`[] }[] }
  | { id: number; kind: "segmentRoot"; root: Uint8Array }
  | { id: number; kind: "error"; message: string };

const MAX_THREADS = 4;
const post = (message: HashResponse) => (self as unknown as Worker).postMessage(message);

/** A nested copy of this worker, hashing segments on another core. */
type Helper = {
  worker: Worker;
  pending: Map<number, { resolve: (root: Uint8Array) => void; reject: (e: Error) => void }>;
  nextId: number;
  /** Set when it failed: requests to it reject at once (its segments are redone elsewhere). */
  lost: string | null;
};
const helpers: Helper[] = [];

function startHelper(): Helper | null {
  if (typeof Worker !== "function") return null;
  let worker: Worker;
  try {
    worker = new Worker(self.location.href);
  } catch {
    return null;
  }
  const helper: Helper = { worker, pending: new Map(), nextId: 1, lost: null };
  const lose = (reason: string) => {
    helper.lost = reason;
    for (const entry of helper.pending.values()) entry.reject(new HelperLostError(reason));
    helper.pending.clear();
    const at = helpers.indexOf(helper);
    if (at >= 0) helpers.splice(at, 1);
    worker.terminate();
  };
  worker.onmessage = (event: MessageEvent<HashResponse>) => {
    const answer = event.data;
    const entry = helper.pending.get(answer.id);
    if (!entry) return;
    helper.pending.delete(answer.id);
    if (answer.kind === "segmentRoot") entry.resolve(answer.root);
    // The helper is fine, the segment is not (e.g. the file changed): the commitment fails.
    else entry.reject(new Error(answer.kind === "error" ? answer.message : `unexpected ${answer.kind} from a hashing helper`));
  };
  worker.onmessageerror = () => lose("a hashing helper sent an unreadable message");
  worker.onerror = (event) => {
    event.preventDefault();
    lose(event.message || "a hashing helper stopped");
  };
  return helper;
}

/** Helpers for one commitment; `sourceOf(index)` is what a helper gets for segment `index`. */
function helpersFor(size: number, threads: number, sourceOf: (index: number) => Blob | ArrayBuffer): SegmentHelper[] {
  // One segment: this thread hashes it, no helper is started.
  const wanted = threads > 1 && size > SEGMENT_SIZE ? threads : 0;
  while (helpers.length < wanted) {
    const helper = startHelper();
    if (!helper) break;
    helpers.push(helper);
  }
  return helpers.slice(0, wanted).map((helper) => ({
    segmentRoot: (index) =>
      new Promise<Uint8Array>((resolve, reject) => {
        if (helper.lost) return reject(new HelperLostError(helper.lost));
        const id = helper.nextId++;
        helper.pending.set(id, { resolve, reject });
        const source = sourceOf(index);
        const request: HashRequest = { id, kind: "segment", source, index, segmentSize: SEGMENT_SIZE };
        helper.worker.postMessage(request, source instanceof ArrayBuffer ? [source] : []);
      }),
  }));
}

const threadsOf = (request: Parallelism) => Math.max(1, Math.min(request.threads ?? navigator.hardwareConcurrency ?? 1, MAX_THREADS));

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const request = event.data;
  const started = performance.now();
  try {
    if (request.kind === "commit" || request.kind === "commitBytes") {
      let lastPost = 0;
      const common = {
        ...(request.inFlight ? { inFlight: request.inFlight } : {}),
        onProgress: ({ bytes, total }: { bytes: number; total: number }) => {
          const now = performance.now();
          if (now - lastPost > 50 || bytes === total) {
            lastPost = now;
            post({ id: request.id, kind: "progress", bytes, total });
          }
        },
      };
      let result: Commitment;
      if (request.kind === "commit") {
        const file = request.file;
        result = await commitSegments({
          ...common,
          size: file.size,
          readSegment: (index) => readBlobSegment(file, index, SEGMENT_SIZE),
          helpers: helpersFor(file.size, threadsOf(request), () => file),
        });
      } else {
        const bytes = new Uint8Array(request.bytes);
        const segment = (index: number) => bytes.subarray(index * SEGMENT_SIZE, (index + 1) * SEGMENT_SIZE);
        result = await commitSegments({
          ...common,
          size: bytes.length,
          readSegment: async (index) => segment(index),
          // Each helper gets a copy of its segment (the whole buffer stays here).
          helpers: helpersFor(bytes.length, threadsOf(request), (index) => segment(index).slice().buffer),
        });
      }
      post({ id: request.id, kind: "committed", ...result, ms: performance.now() - started });
    } else if (request.kind === "segment") {
      const { source, index, segmentSize } = request;
      const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : await readBlobSegment(source, index, segmentSize);
      post({ id: request.id, kind: "segmentRoot", root: (await getSubtreeHasher()).subtreeRoot(bytes) });
    } else {
      const file = request.file;
      const items = await proveOwnership(file, request.indices, {
        expectedRoot: request.expectedRoot,
        helpers: helpersFor(file.size, threadsOf({}), () => file),
        onProgress: (done, total) => post({ id: request.id, kind: "progress", bytes: done, total }),
      });
      post({ id: request.id, kind: "proved", items });
    }
  } catch (err) {
    post({ id: request.id, kind: "error", message: err instanceof Error ? err.message : String(err) });
  }
};
