import type { ProviderConfig } from "../config.ts";
import type { BlobStore } from "./BlobStore.ts";
import { createBlobStore } from "./createBlobStore.ts";

/**
 * The blob store the configuration names: the data dir (default) or an S3-compatible bucket. The
 * AWS SDK is loaded only for the latter (it costs ~20 MB of memory a disk-only server never needs).
 */
export async function openBlobStore({ config }: { config: ProviderConfig }): Promise<BlobStore> {
  if (config.blobStore === "disk") return createBlobStore({ dataDir: config.dataDir });
  const { createS3BlobStore } = await import("./createS3BlobStore.ts");
  const { s3 } = config;
  return createS3BlobStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    prefix: s3.prefix,
    forcePathStyle: s3.forcePathStyle,
    createBucket: s3.createBucket,
    credentials: s3.accessKeyId === undefined ? undefined : { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey! },
  });
}
