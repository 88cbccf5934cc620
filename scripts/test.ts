// `npm test`: compiles the contracts offline, runs the contract suite (hardhat test nodejs, so
// `--coverage` works) and the vitest projects (protocol, server, extension, end-to-end), then prints
// one line `N passed, N failed` over both. Extra arguments go to vitest (e.g. `--project server`).
import { spawn } from "node:child_process";
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
await mkdir(`${root}test-results`, { recursive: true });
const reportPath = `${root}test-results/vitest.json`;
const vitest = await run(npx, ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${reportPath}`, ...vitestArgs]);
try {
  const report = JSON.parse(await readFile(reportPath, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A file that failed to load has no tests to count: count it as a failure.
  for (const file of report.testResults ?? []) {
    if (file.status === "failed" && (file.assertionResults ?? []).length === 0) failed += 1;
  }
} catch {
  failed += 1;
}
if (vitest.code !== 0 && failed === 0) failed += 1;

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
