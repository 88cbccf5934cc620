// `npm test`: compiles the contracts offline, runs the contract suite (hardhat test nodejs, so
// `--coverage` works) and the vitest projects, then prints one line `N passed, N failed` over all.
// Extra arguments go to one vitest run as given (e.g. `--project server`), nothing else.
//
// The provider-server suite runs twice: on the embedded backends (`server`: SQLite, blobs on disk)
// and on the scale-out ones (`server-scale`: PostgreSQL and a real Ceph RADOS Gateway, with the
// several-instance cluster test), and `cluster-start` runs `npm run start:cluster` from nothing.
// On 2 cores one after the other does not fit CI's 20 minutes, so the work runs as two tracks:
//   main track: contract suite → vitest protocol, extension, then e2e (the browser tests, which
//               mostly wait on the browser, the chain and the watch schedule);
//   side track: vitest server, then server-scale + cluster-start, one worker each, in the
//               background (their logs: test-results/server.log, test-results/server-scale.log;
//               printed at the end, whole when something failed).
// The scale part's globalSetup provisions PostgreSQL, Ceph and HAProxy (apt-get) when missing.
// PEKANU_TEST_SCALE=0 leaves it out (a machine where they cannot be installed).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitestArgs = process.argv.slice(2);

function run(command: string, args: string[], capture = false): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"] });
    let output = "";
    const tee = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      stream.write(chunk);
    };
    child.stdout?.on("data", tee(process.stdout));
    child.stderr?.on("data", tee(process.stderr));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const npx = "npx";
let passed = 0;
let failed = 0;

console.log("== compiling contracts (solc from the npm package, no download) ==");
const build = await run(npx, ["hardhat", "build"]);
if (build.code !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

await mkdir(`${root}test-results`, { recursive: true });
const scaleWanted = process.env.PEKANU_TEST_SCALE !== "0";
delete process.env.PEKANU_TEST_SCALE; // set per run below (the config adds the scale projects only when it is "1")

/** Adds a vitest JSON report's counts (a file that failed to load counts as one failure). */
async function count(path: string, code: number): Promise<void> {
  const before = failed;
  try {
    const report = JSON.parse(await readFile(path, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    for (const file of report.testResults ?? []) {
      if (file.status === "failed" && (file.assertionResults ?? []).length === 0) failed += 1;
    }
  } catch {
    failed += 1;
  }
  if (code !== 0 && failed === before) failed += 1;
}

type Background = { name: string; logPath: string; reportPath: string; done: Promise<{ code: number; seconds: number }> };
const background: ChildProcess[] = [];
process.on("SIGINT", () => {
  // Ctrl-C: the side track too (the scale run's globalSetup teardown stops PostgreSQL and Ceph).
  for (const child of background) child.kill("SIGINT");
  process.exit(130);
});

/** One vitest run in the background, its output to a log file, its counts to a JSON report. */
function backgroundVitest({ name, projects, env = {} }: { name: string; projects: string[]; env?: Record<string, string> }): Background {
  const logPath = `${root}test-results/${name}.log`;
  const reportPath = `${root}test-results/vitest-${name}.json`;
  const started = Date.now();
  const log = createWriteStream(logPath);
  const child = spawn(npx, ["vitest", "run", ...projects.flatMap((p) => ["--project", p]), "--maxWorkers=1", "--reporter=default", "--reporter=json", `--outputFile.json=${reportPath}`], {
    cwd: root,
    env: { ...process.env, ...env, FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  background.push(child);
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const done = new Promise<{ code: number; seconds: number }>((resolve) => {
    child.on("error", () => resolve({ code: 1, seconds: 0 }));
    child.on("close", (code) => {
      log.end();
      resolve({ code: code ?? 1, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
  return { name, logPath, reportPath, done };
}

/** Prints a background run's summary (its whole log when it failed) and adds its counts. */
async function report({ name, logPath, reportPath, done }: Background): Promise<void> {
  const { code, seconds } = await done;
  console.log(`== ${name} (ran in the background: ${seconds} s, exit code ${code}; log: ${logPath}) ==`);
  const log = (await readFile(logPath, "utf8").catch(() => "")).replace(/\x1b\[[0-9;]*m/g, "");
  const summary = log.split("\n").filter((line) => /^\s*(Test Files|Tests|Duration)\s/.test(line) || /^\[server-(scale|ceph)\]/.test(line));
  console.log(code === 0 ? summary.join("\n") : log);
  await count(reportPath, code);
}

// The side track starts now (the server tests need the compiled contracts, nothing else).
const side: Background[] = [];
const sideTrack =
  vitestArgs.length > 0
    ? Promise.resolve()
    : (async () => {
        console.log(`== in the background: provider-server suite on SQLite + disk${scaleWanted ? ", then on PostgreSQL + Ceph RGW with the cluster tests" : ""} (logs in test-results/) ==`);
        const server = backgroundVitest({ name: "server", projects: ["server"] });
        side.push(server);
        await server.done;
        if (!scaleWanted) return;
        const scale = backgroundVitest({ name: "server-scale", projects: ["server-scale", "cluster-start"], env: { PEKANU_TEST_SCALE: "1" } });
        side.push(scale);
        await scale.done;
      })();

console.log("== contract suite (hardhat test nodejs) ==");
const contracts = await run(npx, ["hardhat", "test", "nodejs"], true);
// node:test's spec reporter as Hardhat prints it: "N passing", "N failing".
const plain = contracts.output.replace(/\x1b\[[0-9;]*m/g, "");
const contractPassed = Number(/(\d+) passing/.exec(plain)?.[1] ?? 0);
const contractFailed = Number(/(\d+) failing/.exec(plain)?.[1] ?? 0);
passed += contractPassed;
failed += contractFailed;
if (contracts.code !== 0 && contractFailed === 0) failed += 1; // crashed before reporting

console.log("== TypeScript suites (vitest) ==");
const reportPath = `${root}test-results/vitest.json`;
const mainProjects = vitestArgs.length > 0 ? vitestArgs : ["--project", "protocol", "--project", "extension", "--project", "e2e"];
const vitest = await run(npx, ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${reportPath}`, ...mainProjects]);
await count(reportPath, vitest.code);

await sideTrack;
for (const track of side) await report(track);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
