// The S3-compatible server the tests may use: provided by the `server-ceph` project's globalSetup
// (a real single-node Ceph RGW started by scripts/infra/ceph-s3.sh), or given by the environment
// (PEKANU_TEST_S3_ENDPOINT, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY). Undefined when there is none.
import { inject } from "vitest";

export type S3Target = { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };

declare module "vitest" {
  export interface ProvidedContext {
    s3Target: S3Target | null;
    s3TargetError: string | null;
  }
}

export function s3Target(): { target: S3Target | undefined; error: string | undefined } {
  const env = process.env;
  if (env.PEKANU_TEST_S3_ENDPOINT && env.PEKANU_TEST_S3_ACCESS_KEY_ID && env.PEKANU_TEST_S3_SECRET_ACCESS_KEY) {
    return {
      target: {
        endpoint: env.PEKANU_TEST_S3_ENDPOINT,
        accessKeyId: env.PEKANU_TEST_S3_ACCESS_KEY_ID,
        secretAccessKey: env.PEKANU_TEST_S3_SECRET_ACCESS_KEY,
        region: env.PEKANU_TEST_S3_REGION ?? "us-east-1",
      },
      error: undefined,
    };
  }
  try {
    return { target: inject("s3Target") ?? undefined, error: inject("s3TargetError") ?? undefined };
  } catch {
    // Outside a vitest run (a benchmark script imports these helpers too): none provided.
    return { target: undefined, error: undefined };
  }
}
