// Content-addressed blob storage in an S3-compatible bucket (AWS S3, Ceph RGW, MinIO, R2):
// `<prefix>blobs/<fileRoot>`. A blob only appears under its key once verified: uploads go to a
// multipart upload on that key (invisible until CompleteMultipartUpload), completed only after
// the root matched, aborted otherwise. Small uploads (one part) are a single PutObject at commit.
// Reads are Range GETs, so a chunk proof or an audit fetches only the bytes it needs.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import type { Hex } from "viem";
import { assertFileRoot, type BlobStore, type BlobWriter, SEGMENT_SIZE } from "./BlobStore.ts";

export type S3BlobStoreOptions = {
  bucket: string;
  /** Endpoint URL of a non-AWS store (Ceph RGW, MinIO, R2); unset for AWS. */
  endpoint?: string | undefined;
  region: string;
  /** Key prefix inside the bucket (e.g. "pekanu/"). */
  prefix?: string | undefined;
  /** Path-style addressing (http://host/bucket/key), needed by most self-hosted stores. */
  forcePathStyle: boolean;
  /** Static credentials; unset: the AWS SDK's default chain (AWS_* variables, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Create the bucket at init when it does not exist (local clusters). */
  createBucket?: boolean | undefined;
};

/** Parts being uploaded at once by one writer (each up to one segment): bounds memory per upload. */
const PARTS_IN_FLIGHT = 2;

type Part = { PartNumber: number; ETag: string | undefined };
type PartialState = { key: string; uploadId: string; parts: Part[] };

const isNotFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NotFound" || e?.name === "NoSuchKey" || e?.name === "NoSuchBucket" || e?.$metadata?.httpStatusCode === 404;
};

const concat = (pieces: Uint8Array[]): Buffer => (pieces.length === 1 ? Buffer.from(pieces[0]!.buffer, pieces[0]!.byteOffset, pieces[0]!.byteLength) : Buffer.concat(pieces));

export function createS3BlobStore(options: S3BlobStoreOptions) {
  const { bucket } = options;
  const prefix = options.prefix ?? "";
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
    // Plain SigV4 payloads: the newer default (CRC32 trailers, aws-chunked) is not understood by
    // every S3-compatible store (Ceph RGW 16 among them).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });

  const keyOf = (fileRoot: Hex): string => {
    assertFileRoot(fileRoot);
    return `${prefix}blobs/${fileRoot}`;
  };

  const treeKeyOf = (fileRoot: Hex): string => {
    assertFileRoot(fileRoot);
    return `${prefix}trees/${fileRoot}`;
  };

  const head = async (fileRoot: Hex): Promise<number | undefined> => {
    try {
      const answer = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(fileRoot) }));
      return answer.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };

  const createMultipart = async (key: string): Promise<string> => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: "application/octet-stream" }));
    if (!UploadId) throw new Error("the object store returned no upload id");
    return UploadId;
  };

  const uploadPart = async ({ key, uploadId, partNumber, body }: { key: string; uploadId: string; partNumber: number; body: Buffer }): Promise<Part> => {
    const { ETag } = await client.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }),
    );
    return { PartNumber: partNumber, ETag };
  };

  const completeMultipart = async ({ key, uploadId, parts }: { key: string; uploadId: string; parts: Part[] }) => {
    const sorted = [...parts].sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: sorted } }));
  };

  const abortMultipart = async ({ key, uploadId }: { key: string; uploadId: string }) => {
    try {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch {
      // already gone (or the store is unreachable: a lifecycle rule cleans up, see docs/deployment.md)
    }
  };

  const store = {
    kind: "s3" as const,
    bucket,
    client,
    blobPath: (fileRoot: Hex) => `s3://${bucket}/${keyOf(fileRoot)}`,

    async init(): Promise<number> {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if (!isNotFound(error) || !options.createBucket) throw error;
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      }
      return 0;
    },

    async putTree({ fileRoot, tree }: { fileRoot: Hex; tree: Uint8Array }): Promise<void> {
      const body = Buffer.from(tree.buffer, tree.byteOffset, tree.byteLength);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: treeKeyOf(fileRoot), Body: body, ContentLength: body.length }));
    },

    async readTree({ fileRoot, start, length }: { fileRoot: Hex; start: number; length: number }): Promise<Buffer | undefined> {
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: treeKeyOf(fileRoot), Range: `bytes=${start}-${start + length - 1}` }));
        const bytes = await answer.Body!.transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    has: async (fileRoot: Hex) => (await head(fileRoot)) !== undefined,
    size: (fileRoot: Hex) => head(fileRoot),

    async read({ fileRoot, start, end }: { fileRoot: Hex; start?: number; end?: number }): Promise<Readable> {
      const range = start === undefined && end === undefined ? undefined : `bytes=${start ?? 0}-${end ?? ""}`;
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(fileRoot), Range: range }));
      return answer.Body as Readable;
    },

    async readRange({ fileRoot, start, length }: { fileRoot: Hex; start: number; length: number }): Promise<Buffer> {
      if (length <= 0) return Buffer.alloc(0);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(fileRoot), Range: `bytes=${start}-${start + length - 1}` }));
        const bytes = await answer.Body!.transformToByteArray();
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
        throw error;
      }
    },

    /**
     * Single-request uploads: pieces are gathered into parts of one segment, up to
     * PARTS_IN_FLIGHT uploaded at once while the next one fills, into a multipart upload on the
     * expected root's key that is completed only by commit (after the root matched). The upload is
     * created with the first full part, so a file under one segment is one PutObject at commit.
     */
    async createWriter({ fileRoot }: { fileRoot: Hex }): Promise<BlobWriter> {
      const key = keyOf(fileRoot);
      let uploadId: string | undefined;
      let pending: Uint8Array[] = [];
      let pendingBytes = 0;
      const parts: Part[] = [];
      const inFlight = new Set<Promise<void>>();
      let failure: unknown;
      let nextPart = 1;
      const check = () => {
        if (failure !== undefined) throw failure;
      };
      const sendPart = async (body: Buffer) => {
        uploadId ??= await createMultipart(key);
        const task = uploadPart({ key, uploadId, partNumber: nextPart++, body }).then(
          (part) => void parts.push(part),
          (error: unknown) => void (failure ??= error),
        );
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
        check();
      };
      const takePending = () => {
        const body = concat(pending);
        pending = [];
        pendingBytes = 0;
        return body;
      };
      return {
        async write(pieces) {
          check();
          for (const piece of pieces) {
            pending.push(piece);
            pendingBytes += piece.length;
          }
          if (pendingBytes >= SEGMENT_SIZE) await sendPart(takePending());
        },
        async commit({ fileRoot: committed, size }) {
          if (committed !== fileRoot) throw new Error("the writer was opened for another root");
          try {
            if (uploadId === undefined) {
              if ((await head(fileRoot)) !== undefined) return false;
              const body = takePending();
              await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size, ContentType: "application/octet-stream" }));
              return true;
            }
            if (pendingBytes > 0) await sendPart(takePending());
            await Promise.all(inFlight);
            check();
            if ((await head(fileRoot)) !== undefined) {
              await abortMultipart({ key, uploadId });
              return false;
            }
            await completeMultipart({ key, uploadId, parts });
            return true;
          } catch (error) {
            if (uploadId !== undefined) await abortMultipart({ key, uploadId });
            throw error;
          }
        },
        async abort() {
          pending = [];
          await Promise.allSettled(inFlight);
          if (uploadId !== undefined) await abortMultipart({ key, uploadId });
        },
      };
    },

    partial: {
      async begin({ fileRoot }: { orderId: Hex; fileRoot: Hex }): Promise<string> {
        const key = keyOf(fileRoot);
        const uploadId = await createMultipart(key);
        return JSON.stringify({ key, uploadId, parts: [] } satisfies PartialState);
      },
      async writeSegment({ state, index, pieces }: { state: string; index: number; pieces: Uint8Array[] }): Promise<string> {
        const saved = JSON.parse(state) as PartialState;
        const part = await uploadPart({ key: saved.key, uploadId: saved.uploadId, partNumber: index + 1, body: concat(pieces) });
        const parts = saved.parts.filter((p) => p.PartNumber !== part.PartNumber);
        parts.push(part);
        return JSON.stringify({ ...saved, parts });
      },
      async complete({ state, fileRoot }: { state: string; fileRoot: Hex; size: number }): Promise<boolean> {
        const saved = JSON.parse(state) as PartialState;
        if (saved.key !== keyOf(fileRoot)) throw new Error("partial upload is for another file");
        if ((await head(fileRoot)) !== undefined) {
          await abortMultipart(saved);
          return false;
        }
        await completeMultipart(saved);
        return true;
      },
      async abort({ state }: { state: string }): Promise<void> {
        try {
          await abortMultipart(JSON.parse(state) as PartialState);
        } catch {
          // nothing to drop
        }
      },
    },

    async close(): Promise<void> {
      client.destroy();
    },
  };
  return store satisfies BlobStore;
}
