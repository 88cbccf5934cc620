// `npm test`: compiles the contracts offline, runs the contract suite (hardhat test nodejs, so
// `--coverage` works) and the vitest projects (protocol, server, extension, end-to-end), then prints
// one line `N passed, N failed` over all. Extra arguments go to vitest (e.g. `--project server`).
//
// The provider-server suite also runs a second time against the scale-out backends (PostgreSQL for
// state, a real Ceph RADOS Gateway for files) together with the cluster test (two instances over
// that state) and `npm run start:cluster` from nothing: the `server-scale` and `cluster-start` projects, in its own vitest process with one worker, started right
// after the contracts are compiled and running beside everything else. The end-to-end phase mostly
// waits on the browser and the chain, so the two together fit CI's budget where one after the other
// would not. Its globalSetup provisions PostgreSQL and Ceph (apt-get) when missing. Its output goes
// to test-results/server-scale.log and is printed at the end; its tests count in the summary line.
// PEKANU_TEST_SCALE=0 leaves it out (a machine where neither can be installed); it is also left out
// when extra arguments pick what to run.
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
const scaleWanted = vitestArgs.length === 0 && process.env.PEKANU_TEST_SCALE !== "0";
delete process.env.PEKANU_TEST_SCALE; // the main run: the embedded backends (the config adds server-scale only when it is "1")
const scaleReportPath = `${root}test-results/vitest-scale.json`;
const scaleLogPath = `${root}test-results/server-scale.log`;
let scale: Promise<{ code: number; seconds: number }> | undefined;
let scaleChild: ChildProcess | undefined;
if (scaleWanted) {
  console.log(`== provider-server suite on PostgreSQL + Ceph RGW, with the cluster test (in the background: ${scaleLogPath}) ==`);
  const started = Date.now();
  const log = createWriteStream(scaleLogPath);
  scaleChild = spawn(npx, ["vitest", "run", "--project", "server-scale", "--project", "cluster-start", "--maxWorkers=1", "--reporter=default", "--reporter=json", `--outputFile.json=${scaleReportPath}`], {
    cwd: root,
    env: { ...process.env, PEKANU_TEST_SCALE: "1", FORCE_COLOR: "0", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  scaleChild.stdout!.pipe(log, { end: false });
  scaleChild.stderr!.pipe(log, { end: false });
  scale = new Promise((resolve, reject) => {
    scaleChild!.on("error", reject);
    scaleChild!.on("close", (code) => {
      log.end();
      resolve({ code: code ?? 1, seconds: Math.round((Date.now() - started) / 1000) });
    });
  });
  // Ctrl-C: stop it too (its globalSetup teardown stops PostgreSQL and Ceph).
  process.on("SIGINT", () => {
    scaleChild?.kill("SIGINT");
    process.exit(130);
  });
}

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
const vitest = await run(npx, ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${reportPath}`, ...vitestArgs]);
await count(reportPath, vitest.code);

if (scale) {
  console.log("== provider-server suite on PostgreSQL + Ceph RGW, with the cluster test ==");
  const { code, seconds } = await scale;
  const log = (await readFile(scaleLogPath, "utf8")).replace(/\x1b\[[0-9;]*m/g, "");
  // All of it when something failed (the failures and the setup's reasons); else its summary.
  const summary = log.split("\n").filter((line) => /^\s*(Test Files|Tests|Duration)\s/.test(line) || /^\[server-(scale|ceph)\]/.test(line));
  console.log(code === 0 ? summary.join("\n") : log);
  console.log(`(server-scale: ${seconds} s, exit code ${code}; log: ${scaleLogPath})`);
  await count(scaleReportPath, code);
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
