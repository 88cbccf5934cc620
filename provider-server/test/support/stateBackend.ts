// The one place the tests pick their state and blob backends. By default: SQLite in the data dir
// and blobs on disk (the embedded default). In the `server-scale` project (its globalSetup provides
// a PostgreSQL server and a Ceph RGW), or with PEKANU_TEST_DATABASE_URL (an admin URL of a
// PostgreSQL server) and the PEKANU_TEST_S3_* variables: PostgreSQL and S3. Every data dir gets
// its own database (named after the dir, so a restart on the same dir finds its state again) and
// every test file its own bucket.
import { createHash, randomBytes } from "node:crypto";
import { chmod, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import pg from "pg";
import { inject } from "vitest";
import type { BlobStore } from "../../src/blobs/BlobStore.ts";
import type { Hex } from "viem";
import type { createS3BlobStore } from "../../src/blobs/createS3BlobStore.ts";
import type { ProviderConfigInput } from "../../src/config.ts";
import { openDatabase } from "../../src/db/openDatabase.ts";
import type { SqlDatabase } from "../../src/db/SqlDatabase.ts";
import { s3Target } from "./s3Target.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string | null;
    postgresError: string | null;
  }
}

const adminUrl = (): string | undefined => {
  if (process.env.PEKANU_TEST_DATABASE_URL) return process.env.PEKANU_TEST_DATABASE_URL;
  try {
    return inject("postgresAdminUrl") ?? undefined;
  } catch {
    return undefined; // outside a vitest worker (a benchmark script using the same helpers)
  }
};

/** "postgres" when this run keeps state in PostgreSQL (and blobs in S3), else "sqlite". */
export const stateBackend: "sqlite" | "postgres" = adminUrl() ? "postgres" : "sqlite";

/** Why a test is skipped in the scale run: it reads the SQLite file or the blob files itself. */
export const onlyEmbedded = (reason: string) => (stateBackend === "postgres" ? `(embedded backend only: ${reason}) ` : "");

const bucket = `pekanu-t-${randomBytes(5).toString("hex")}`;
const created = new Map<string, Promise<string>>();

/** The PostgreSQL URL of `dataDir`'s own database (created on first use), or undefined (SQLite). */
export async function databaseUrlFor(dataDir: string): Promise<string | undefined> {
  const admin = adminUrl();
  if (!admin) return undefined;
  const name = `pekanu_${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`;
  let url = created.get(name);
  if (!url) {
    url = (async () => {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } catch (error) {
        if ((error as { code?: string }).code !== "42P04") throw error; // 42P04: exists (a restart)
      } finally {
        await client.end();
      }
      const target = new URL(admin);
      target.pathname = `/${name}`;
      return target.toString();
    })();
    created.set(name, url);
  }
  return url;
}

/** Config for an in-process server on `dataDir`: this run's database and bucket (nothing for the embedded default). */
export async function backendConfig(dataDir: string, given: Partial<ProviderConfigInput> = {}): Promise<Partial<ProviderConfigInput>> {
  if (stateBackend === "sqlite") return {};
  const out: Partial<ProviderConfigInput> = {};
  if (given.database === undefined) out.database = await databaseUrlFor(dataDir);
  const { target } = s3Target();
  if (given.blobStore === undefined && target) {
    out.blobStore = "s3";
    out.s3 = { endpoint: target.endpoint, bucket, region: target.region, forcePathStyle: true, createBucket: true, accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey };
  }
  return out;
}

/** The same as environment variables, for a server run as a child process. */
export async function backendEnv(dataDir: string, given: Record<string, string> = {}): Promise<Record<string, string>> {
  if (stateBackend === "sqlite") return {};
  const out: Record<string, string> = {};
  if (given.PEKANU_DATABASE_URL === undefined) out.PEKANU_DATABASE_URL = (await databaseUrlFor(dataDir))!;
  const { target } = s3Target();
  if (given.PEKANU_BLOB_STORE === undefined && target) {
    Object.assign(out, {
      PEKANU_BLOB_STORE: "s3",
      PEKANU_S3_ENDPOINT: target.endpoint,
      PEKANU_S3_BUCKET: bucket,
      PEKANU_S3_CREATE_BUCKET: "true",
      PEKANU_S3_ACCESS_KEY_ID: target.accessKeyId,
      PEKANU_S3_SECRET_ACCESS_KEY: target.secretAccessKey,
    });
  }
  return out;
}

/** Opens `dataDir`'s state database (SQLite file or its PostgreSQL database), e.g. to look at a stopped server's state. */
export async function openTestDatabase(dataDir: string): Promise<SqlDatabase> {
  return openDatabase({ dataDir, url: await databaseUrlFor(dataDir) });
}

/**
 * What a server's blob store holds, as names: verified blobs and unfinished writes (disk: blobs/
 * and tmp/ in the data dir; S3: the objects under the bucket and its open multipart uploads).
 */
export async function blobListing({ blobs, dataDir }: { blobs: BlobStore; dataDir: string }): Promise<{ stored: string[]; pending: string[] }> {
  if (blobs.kind === "disk") {
    return { stored: (await readdir(join(dataDir, "blobs"))).sort(), pending: (await readdir(join(dataDir, "tmp"))).sort() };
  }
  const s3 = blobs as ReturnType<typeof createS3BlobStore>;
  const objects = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
  const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  return {
    stored: (objects.Contents ?? []).map((o) => o.Key!).sort(),
    pending: (uploads.Uploads ?? []).map((u) => u.Key!).sort(),
  };
}

/**
 * Loses a stored file the way a fault would (a disk error, an object deleted behind the server's
 * back), whichever backend holds it: the file on disk, or the object in the bucket. Its stored
 * tree is kept, so the server still believes it has the file until it reads it.
 */
export async function loseBlob({ blobs, fileRoot }: { blobs: BlobStore; fileRoot: Hex }): Promise<void> {
  const path = blobs.blobPath(fileRoot);
  if (blobs.kind === "disk") {
    await chmod(path, 0o600).catch(() => {});
    await rm(path);
    return;
  }
  const s3 = blobs as ReturnType<typeof createS3BlobStore>;
  const key = path.slice(`s3://${s3.bucket}/`.length);
  await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key }));
  if (await blobs.has(fileRoot)) throw new Error(`${path} is still there`);
}
