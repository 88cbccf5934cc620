// globalSetup of the `server-scale` vitest project: the whole provider-server suite against
// PostgreSQL and a Ceph RGW. Starts a throwaway PostgreSQL (scripts/infra/postgres.sh: apt-get
// install when missing, initdb in a temp dir, a free loopback port) and the Ceph RGW of the
// `server-ceph` project (cephGlobalSetup), and provides both to the tests (stateBackend.ts gives each
// data dir its own database and each test file its own bucket). If PostgreSQL cannot be started
// the run fails here with the reason: a scale run that silently fell back to SQLite would prove
// nothing.
import { execFile, execFileSync } from "node:child_process";
import { chmod, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import cephGlobalSetup from "./cephGlobalSetup.ts";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../../scripts/infra/postgres.sh", import.meta.url));

export default async function setup(project: TestProject) {
  const started = Date.now();
  let stopPostgres = async () => {};
  const postgres = (async () => {
    if (process.env.PEKANU_TEST_DATABASE_URL) return process.env.PEKANU_TEST_DATABASE_URL;
    const parent = await mkdtemp(join(tmpdir(), "pekanu-pg-"));
    // As root the server runs as `postgres`, which must reach the cluster dir inside (mkdtemp: 0700).
    await chmod(parent, 0o711);
    const dir = join(parent, "cluster");
    // Ctrl-C: vitest exits at once without running teardowns, and PostgreSQL would outlive it.
    const stopOnExit = () => {
      try {
        execFileSync("bash", [script, "stop", dir], { timeout: 60_000, stdio: "ignore" });
      } catch {
        // nothing more to do while exiting
      }
    };
    process.once("exit", stopOnExit);
    stopPostgres = async () => {
      process.removeListener("exit", stopOnExit);
      await run("bash", [script, "stop", dir], { timeout: 120_000 }).catch((error: Error) => console.error(`[server-scale] PostgreSQL stop failed: ${error.message}`));
    };
    await run("bash", [script, "start", dir], { timeout: 600_000, maxBuffer: 16 << 20, env: { ...process.env, PG_THROWAWAY: "1" } });
    const env = await readFile(join(dir, "env"), "utf8");
    const url = /^PEKANU_DATABASE_URL=(.+)$/m.exec(env)?.[1];
    if (!url) throw new Error(`no PEKANU_DATABASE_URL in ${join(dir, "env")}`);
    // The admin URL: tests create one database per data dir from it.
    const admin = new URL(url);
    admin.pathname = "/postgres";
    return admin.toString();
  })();
  // Both start at once (each takes tens of seconds on a loaded machine).
  const [pgResult, cephTeardown] = await Promise.allSettled([postgres, cephGlobalSetup(project)]);
  const teardown = async () => {
    if (cephTeardown.status === "fulfilled" && typeof cephTeardown.value === "function") await cephTeardown.value();
    await stopPostgres();
  };
  if (pgResult.status === "rejected") {
    const e = pgResult.reason as Error & { stderr?: string };
    await teardown();
    throw new Error(`[server-scale] PostgreSQL could not be started: ${e.message.split("\n")[0]}\n${(e.stderr ?? "").slice(-4000)}`);
  }
  if (cephTeardown.status === "rejected") {
    await teardown();
    throw new Error(`[server-scale] Ceph RGW could not be started: ${(cephTeardown.reason as Error).message}`);
  }
  project.provide("postgresAdminUrl", pgResult.value);
  project.provide("postgresError", null);
  console.log(`[server-scale] PostgreSQL ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return teardown;
}
