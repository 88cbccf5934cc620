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
import { importSegmentKey, type EncryptionMode } from "@pekanu/protocol/encryption";
import { bytesToHex } from "@pekanu/protocol/merkle";
import { commitEncryptedBlob } from "../lib/encryption/commitEncryptedBlob.ts";
import { decryptDownload } from "../lib/encryption/decryptDownload.ts";
import { encryptedLayout } from "../lib/encryption/encryptedLayout.ts";
import { opfsSink } from "../lib/encryption/opfsSink.ts";
import { readCiphertextRange } from "../lib/encryption/readCiphertextRange.ts";
import { proveOwnership } from "../lib/proveOwnership.ts";
import { sealVaultExport } from "../lib/vault/sealVaultExport.ts";
import { unsealVaultExport } from "../lib/vault/unsealVaultExport.ts";

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
  /** Ownership proof; with `encryption`, of the ciphertext of `file` (its key and header). */
  | { id: number; kind: "prove"; file: Blob; indices: number[]; expectedRoot: string; encryption?: { key: Uint8Array; header: Uint8Array } }
  /**
   * Encrypt-while-committing (docs/encryption.md): the File is encrypted segment by segment and the
   * ciphertext committed, in parallel; convergent mode first commits to the plaintext for its key.
   * Private mode takes `key` or makes a fresh one. Answered with "committedEncrypted".
   */
  | ({ id: number; kind: "commitEncrypted"; file: Blob; mode: EncryptionMode; key?: Uint8Array; salt?: Uint8Array; segmentSize?: number } & Parallelism)
  /**
   * Streaming decrypt-download: the ciphertext (`url` fetched, or a Blob) is decrypted segment by
   * segment into a temporary OPFS file, its root checked against `expectedRoot`; answered with
   * "decrypted" naming the OPFS file (see lib/encryption/opfsSink.ts), which the page hands to the
   * Downloads folder. On any failure the temporary file is deleted.
   */
  | { id: number; kind: "decrypt"; source: { url: string; token?: string | null } | { blob: Blob }; key: Uint8Array; expectedRoot: `0x${string}`; expectedSize?: number }
  /** Seals a vault export with a passphrase (scrypt here, off the page's thread and the service worker). */
  | { id: number; kind: "seal"; json: string; passphrase: string }
  /** Opens a vault export (sealed: with its passphrase); errors carry the VaultExportError code. */
  | { id: number; kind: "unseal"; text: string; passphrase?: string }
  /** To a helper: segment `index` of a File, or the segment's own bytes. */
  | { id: number; kind: "segment"; source: Blob | ArrayBuffer; index: number; segmentSize: number }
  /** To a helper: commitment segment `index` of the ciphertext of the plaintext File `source`. */
  | { id: number; kind: "encryptedSegment"; source: Blob; key: Uint8Array; header: Uint8Array; index: number; segmentSize: number };

export type HashResponse =
  | { id: number; kind: "progress"; bytes: number; total: number }
  | ({ id: number; kind: "committed"; ms: number } & Commitment)
  | { id: number; kind: "proved"; items: { index: number; chunk: string; proof: `0x${string}`[] }[] }
  | ({ id: number; kind: "committedEncrypted"; ms: number; mode: EncryptionMode; key: Uint8Array; header: `0x${string}`; plaintextSize: number } & Commitment)
  | { id: number; kind: "decrypted"; ms: number; name: string; root: `0x${string}`; size: number; plaintextSize: number }
  | { id: number; kind: "segmentRoot"; root: Uint8Array }
  | { id: number; kind: "sealed"; text: string }
  | { id: number; kind: "unsealed"; json: string; sealed: boolean }
  | { id: number; kind: "error"; message: string; code?: string };

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

type HelperRequest = { kind: "segment"; source: Blob | ArrayBuffer; index: number; segmentSize: number } | Omit<Extract<HashRequest, { kind: "encryptedSegment" }>, "id">;

/** Helpers for one commitment; `sourceOf(index)` is what a helper gets for segment `index`. */
function helpersFor(size: number, threads: number, sourceOf: (index: number) => Blob | ArrayBuffer): SegmentHelper[] {
  return helpersWith(size, threads, (index) => ({ kind: "segment", source: sourceOf(index), index, segmentSize: SEGMENT_SIZE }));
}

/** Helpers for one commitment; `requestOf(index)` is what a helper is asked for segment `index`. */
function helpersWith(size: number, threads: number, requestOf: (index: number) => HelperRequest): SegmentHelper[] {
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
        const request = { id, ...requestOf(index) } as HashRequest;
        helper.worker.postMessage(request, request.kind === "segment" && request.source instanceof ArrayBuffer ? [request.source] : []);
      }),
  }));
}

/** Segment keys of the files a helper is encrypting, by header (one import per file, not per segment). */
const segmentKeys = new Map<string, Promise<CryptoKey>>();
function segmentKeyOf(key: Uint8Array, header: Uint8Array): Promise<CryptoKey> {
  const id = bytesToHex(header);
  let cryptoKey = segmentKeys.get(id);
  if (!cryptoKey) {
    if (segmentKeys.size > 8) segmentKeys.clear();
    segmentKeys.set(id, (cryptoKey = importSegmentKey({ key, header })));
  }
  return cryptoKey;
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
    } else if (request.kind === "commitEncrypted") {
      const { file, mode } = request;
      const threads = threadsOf(request);
      let lastPost = 0;
      const result = await commitEncryptedBlob({
        blob: file,
        mode,
        key: request.key,
        salt: request.salt,
        ...(request.segmentSize ? { encryptionSegmentSize: request.segmentSize } : {}),
        ...(request.inFlight ? { inFlight: request.inFlight } : {}),
        helpers: {
          plain: helpersFor(file.size, threads, () => file),
          encrypted: (layout, key) =>
            helpersWith(layout.size, threads, (index) => ({ kind: "encryptedSegment", source: file, key, header: layout.header, index, segmentSize: SEGMENT_SIZE })),
        },
        onProgress: ({ bytes, total, phase }) => {
          const now = performance.now();
          if (now - lastPost > 50 || bytes === total) {
            lastPost = now;
            // Convergent mode reads the file twice: report both passes as one bar.
            const passes = mode === "convergent" ? 2 : 1;
            const base = phase === "ciphertext" && passes === 2 ? 1 : 0;
            post({ id: request.id, kind: "progress", bytes: Math.round(((base + bytes / Math.max(1, total)) / passes) * file.size), total: file.size });
          }
        },
      });
      const { layout, ...commitment } = result;
      post({ id: request.id, kind: "committedEncrypted", ...commitment, header: bytesToHex(layout.header), plaintextSize: layout.plaintextSize, ms: performance.now() - started });
    } else if (request.kind === "decrypt") {
      const { source, key, expectedRoot, expectedSize } = request;
      let body: ReadableStream<Uint8Array>;
      if ("url" in source) {
        const response = await fetch(source.url, { headers: source.token ? { Authorization: `Bearer ${source.token}` } : {}, cache: "no-store" });
        if (!response.ok || !response.body) throw new Error(`The provider answered ${response.status} to the download.`);
        body = response.body;
      } else {
        body = source.blob.stream();
      }
      const sink = await opfsSink();
      let lastPost = 0;
      const result = await decryptDownload({
        source: body,
        key,
        expectedRoot,
        expectedSize,
        sink,
        onProgress: (bytes) => {
          const now = performance.now();
          if (now - lastPost > 50) {
            lastPost = now;
            post({ id: request.id, kind: "progress", bytes, total: expectedSize ?? 0 });
          }
        },
      });
      post({ id: request.id, kind: "decrypted", name: sink.name, root: result.root, size: result.size, plaintextSize: result.header.plaintextSize, ms: performance.now() - started });
    } else if (request.kind === "seal") {
      post({ id: request.id, kind: "sealed", text: await sealVaultExport({ json: request.json, passphrase: request.passphrase }) });
    } else if (request.kind === "unseal") {
      const { json, sealed } = await unsealVaultExport({ text: request.text, passphrase: request.passphrase });
      post({ id: request.id, kind: "unsealed", json, sealed });
    } else if (request.kind === "encryptedSegment") {
      const { source, key, header, index, segmentSize } = request;
      const bytes = await readCiphertextRange({ blob: source, layout: encryptedLayout(header), cryptoKey: await segmentKeyOf(key, header), start: index * segmentSize, end: (index + 1) * segmentSize });
      post({ id: request.id, kind: "segmentRoot", root: (await getSubtreeHasher()).subtreeRoot(bytes) });
    } else if (request.kind === "segment") {
      const { source, index, segmentSize } = request;
      const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : await readBlobSegment(source, index, segmentSize);
      post({ id: request.id, kind: "segmentRoot", root: (await getSubtreeHasher()).subtreeRoot(bytes) });
    } else {
      const file = request.file;
      const encryption = request.encryption;
      let ciphertext: { size: number; readSegment: (index: number) => Promise<Uint8Array> } | undefined;
      let proveHelpers: SegmentHelper[];
      if (encryption) {
        const layout = encryptedLayout(encryption.header);
        const cryptoKey = await segmentKeyOf(encryption.key, encryption.header);
        ciphertext = { size: layout.size, readSegment: (index) => readCiphertextRange({ blob: file, layout, cryptoKey, start: index * SEGMENT_SIZE, end: (index + 1) * SEGMENT_SIZE }) };
        proveHelpers = helpersWith(layout.size, threadsOf({}), (index) => ({ kind: "encryptedSegment", source: file, key: encryption.key, header: layout.header, index, segmentSize: SEGMENT_SIZE }));
      } else {
        proveHelpers = helpersFor(file.size, threadsOf({}), () => file);
      }
      const items = await proveOwnership(file, request.indices, {
        expectedRoot: request.expectedRoot,
        ciphertext,
        helpers: proveHelpers,
        onProgress: (done, total) => post({ id: request.id, kind: "progress", bytes: done, total }),
      });
      post({ id: request.id, kind: "proved", items });
    }
  } catch (err) {
    const code = err instanceof Error && typeof (err as { code?: unknown }).code === "string" ? (err as unknown as { code: string }).code : undefined;
    post({ id: request.id, kind: "error", message: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) });
  }
};
