// Ceph part of the `server-scale` vitest project's globalSetup (scaleGlobalSetup.ts): provisions and starts a real single-node Ceph
// RADOS Gateway with the project's own script (scripts/infra/ceph-s3.sh: apt-get install when
// missing, file-backed OSD, loopback only) and provides its address and keys to the tests. If it
// cannot be started (no root for apt-get, no network, no disk), the run fails with the reason.
import { execFile, execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../../scripts/infra/ceph-s3.sh", import.meta.url));

export default async function setup(project: TestProject) {
  if (process.env.PEKANU_TEST_S3_ENDPOINT) {
    project.provide("s3Target", null);
    project.provide("s3TargetError", null);
    return;
  }
  const dir = join(await mkdtemp(join(tmpdir(), "pekanu-ceph-")), "cluster");
  const started = Date.now();
  // Ctrl-C: vitest exits at once without running teardowns, and the daemons would outlive it.
  const stopOnExit = () => {
    try {
      execFileSync("bash", [script, "stop", dir], { timeout: 60_000, stdio: "ignore" });
    } catch {
      // nothing more to do while exiting
    }
  };
  process.once("exit", stopOnExit);
  try {
    await run("bash", [script, "start", dir], { timeout: 600_000, maxBuffer: 16 << 20 });
    const env = Object.fromEntries(
      (await readFile(join(dir, "env"), "utf8"))
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    project.provide("s3Target", {
      endpoint: env.PEKANU_S3_ENDPOINT!,
      accessKeyId: env.PEKANU_S3_ACCESS_KEY_ID!,
      secretAccessKey: env.PEKANU_S3_SECRET_ACCESS_KEY!,
      region: env.PEKANU_S3_REGION ?? "us-east-1",
    });
    project.provide("s3TargetError", null);
    console.log(`[server-ceph] Ceph RGW ready at ${env.PEKANU_S3_ENDPOINT} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    // A scale run without the S3 store would prove nothing: fail with the reason.
    const e = error as Error & { stderr?: string };
    process.removeListener("exit", stopOnExit);
    await run("bash", [script, "stop", dir], { timeout: 120_000 }).catch(() => {});
    throw new Error(`Ceph RGW could not be provisioned: ${e.message.split("\n")[0]}\n${(e.stderr ?? "").slice(-4000)}`);
  }
  return async () => {
    process.removeListener("exit", stopOnExit);
    await run("bash", [script, "stop", dir], { timeout: 120_000 }).catch((error: Error) => console.error(`[server-ceph] stop failed: ${error.message}`));
  };
}
