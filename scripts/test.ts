// `npm test`: compiles the contracts offline, runs the contract suite (hardhat test nodejs, so
// `--coverage` works) and every vitest project, then prints one line `N passed, N failed` over all.
// Extra arguments go to one vitest run as given (e.g. `--project server`), nothing else.
//
// The provider-server suite runs twice: on the embedded backends (`server`: SQLite, blobs on disk)
// and on the scale-out ones (`server-scale`: PostgreSQL and a real Ceph RADOS Gateway, with the
// several-instance cluster test), and `cluster-start` runs `npm run start:cluster` from nothing.
// One after the other, all of it does not fit CI's 20 minutes on 2 cores; but the browser tests
// (`e2e`, the longest part) mostly wait on the browser, the chain and the watch schedule. So after
// the compile, three tracks run at once:
//   in front:   e2e (its output is what you see);
//   behind, A:  the contract suite, then protocol + extension, then server (one worker);
//   behind, B:  server-scale + cluster-start (one worker).
// The tracks behind write to test-results/<name>.log; each is printed at the end (its summary, or
// all of it when something failed) and counted in the last line.
// The scale part's globalSetup provisions PostgreSQL, Ceph and HAProxy (apt-get) when missing.
// PEKANU_TEST_SCALE=0 leaves it out (a machine where they cannot be installed).
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, rmSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const vitestArgs = process.argv.slice(2);
const npx = "npx";
const resultsDir = `${root}test-results`;
let passed = 0;
let failed = 0;

type Outcome = { code: number; seconds: number; output: string };

/** Runs a command in the foreground (output shown as it comes) or into a log file. */
function run({ args, env = {}, logPath }: { args: string[]; env?: Record<string, string>; logPath?: string }): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npx, args, {
      cwd: root,
      env: { ...process.env, ...env, ...(logPath ? { FORCE_COLOR: "0", NO_COLOR: "1" } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const log = logPath ? createWriteStream(logPath) : undefined;
    let output = "";
    const take = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (log) log.write(chunk);
      else stream.write(chunk);
    };
    child.stdout!.on("data", take(process.stdout));
    child.stderr!.on("data", take(process.stderr));
    const finish = (code: number) => {
      log?.end();
      resolve({ code, seconds: Math.round((Date.now() - started) / 1000), output });
    };
    child.on("error", (error) => {
      output += `\n${error.message}`;
      finish(1);
    });
    child.on("close", (code) => finish(code ?? 1));
  });
}
const children: ChildProcess[] = [];
process.on("SIGINT", () => {
  // Ctrl-C: every track (the scale setup stops PostgreSQL and Ceph as its process exits).
  for (const child of children) child.kill("SIGINT");
  process.exit(130);
});

/** Adds a vitest JSON report's counts (a file that failed to load counts as one failure). */
async function countVitest(reportPath: string, code: number): Promise<void> {
  const before = failed;
  try {
    const report = JSON.parse(await readFile(reportPath, "utf8"));
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

/** Adds the contract suite's counts: node:test's spec reporter as Hardhat prints it ("N passing", "N failing"). */
function countContracts({ code, output }: Outcome): void {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const contractPassed = Number(/(\d+) passing/.exec(plain)?.[1] ?? 0);
  const contractFailed = Number(/(\d+) failing/.exec(plain)?.[1] ?? 0);
  passed += contractPassed;
  failed += contractFailed;
  if (code !== 0 && contractFailed === 0) failed += 1; // crashed before reporting
}

/** A vitest run; `name` names its report (and its log when it runs behind). */
function vitest({ name, projects, workers, env, behind }: { name: string; projects: string[]; workers?: number; env?: Record<string, string>; behind: boolean }) {
  const reportPath = `${resultsDir}/vitest-${name}.json`;
  rmSync(reportPath, { force: true }); // a run that dies before writing it must not count the last run's
  const args = ["vitest", "run", ...projects, ...(workers ? [`--maxWorkers=${workers}`] : []), "--reporter=default", "--reporter=json", `--outputFile.json=${reportPath}`];
  return { name, reportPath, logPath: behind ? `${resultsDir}/${name}.log` : undefined, outcome: run({ args, env, logPath: behind ? `${resultsDir}/${name}.log` : undefined }) };
}

console.log("== compiling contracts (solc from the npm package, no download) ==");
const build = await run({ args: ["hardhat", "build"] });
if (build.code !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
await mkdir(resultsDir, { recursive: true });
const scaleWanted = process.env.PEKANU_TEST_SCALE !== "0";

if (vitestArgs.length > 0) {
  // A targeted run: the contract suite and the vitest run asked for, in front.
  console.log("== contract suite (hardhat test nodejs) ==");
  countContracts(await run({ args: ["hardhat", "test", "nodejs"] }));
  console.log("== TypeScript suites (vitest) ==");
  const only = vitest({ name: "main", projects: vitestArgs, behind: false });
  await countVitest(only.reportPath, (await only.outcome).code);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

delete process.env.PEKANU_TEST_SCALE; // set per run below (the config adds the scale projects only when it is "1")
type Step = { title: string; logPath: string; outcome: Outcome; count: () => Promise<void> };
const behindSteps: Step[] = [];

// Behind, A: contracts, then protocol + extension, then server (embedded backends).
const trackA = (async () => {
  const contractsLog = `${resultsDir}/contracts.log`;
  const contracts = await run({ args: ["hardhat", "test", "nodejs"], logPath: contractsLog });
  behindSteps.push({ title: "contract suite (hardhat test nodejs)", logPath: contractsLog, outcome: contracts, count: async () => countContracts(contracts) });
  for (const [name, projects] of [
    ["unit", ["--project", "protocol", "--project", "extension"]],
    ["server", ["--project", "server"]],
  ] as const) {
    const step = vitest({ name, projects: [...projects], workers: 1, behind: true });
    const outcome = await step.outcome;
    behindSteps.push({ title: `vitest ${projects.filter((p) => p !== "--project").join(", ")}`, logPath: step.logPath!, outcome, count: () => countVitest(step.reportPath, outcome.code) });
  }
})();

// Behind, B: the provider-server suite on PostgreSQL + Ceph, the cluster test, start:cluster.
const trackB = scaleWanted
  ? (async () => {
      const step = vitest({ name: "server-scale", projects: ["--project", "server-scale", "--project", "cluster-start"], workers: 1, env: { PEKANU_TEST_SCALE: "1" }, behind: true });
      const outcome = await step.outcome;
      behindSteps.push({ title: "vitest server-scale, cluster-start (PostgreSQL + Ceph RGW)", logPath: step.logPath!, outcome, count: () => countVitest(step.reportPath, outcome.code) });
    })()
  : Promise.resolve();

console.log(
  `== in the background: the contract suite, protocol, extension, server (SQLite + disk)${scaleWanted ? "; server-scale and cluster-start (PostgreSQL + Ceph RGW)" : ""}; logs in test-results/ ==`,
);
console.log("== end-to-end: Chromium with the extension (vitest e2e) ==");
const e2e = vitest({ name: "e2e", projects: ["--project", "e2e"], behind: false });
await countVitest(e2e.reportPath, (await e2e.outcome).code);

await Promise.all([trackA, trackB]);
for (const { title, logPath, outcome, count } of behindSteps) {
  console.log(`== ${title}: ran in the background, ${outcome.seconds} s, exit code ${outcome.code} (log: ${logPath}) ==`);
  const plain = outcome.output.replace(/\x1b\[[0-9;]*m/g, "");
  const summary = plain.split("\n").filter((line) => /^\s*(Test Files|Tests|Duration)\s/.test(line) || /^\s*\d+ (passing|failing)/.test(line) || /^\[server-(scale|ceph)\]/.test(line));
  console.log(outcome.code === 0 ? summary.join("\n") : plain);
  await count();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
