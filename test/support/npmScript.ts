// Runs one of the project's npm scripts as a new user runs it in a terminal (`npm start`,
// `npm run start:cluster`): in its own process group, output collected, "ready" when it prints
// READY; stopped with Ctrl-C (SIGINT to the whole group), "stopped cleanly" when its last line says
// so. Used by the start tests.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

export type StartedScript = { child: ChildProcess; output: () => string };

/** Starts `npm <args>` and resolves once it printed READY (rejects if it exits first or takes longer than `timeoutMs`). */
export function startNpmScript({ args, env, timeoutMs }: { args: string[]; env: Record<string, string>; timeoutMs: number }): Promise<StartedScript> {
  const child = spawn("npm", args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  // The script runs in its own process group, which a Ctrl-C of the test run does not reach.
  const stopOnExit = () => {
    try {
      process.kill(-child.pid!, "SIGINT");
    } catch {
      // already gone
    }
  };
  process.once("exit", stopOnExit);
  child.once("close", () => process.removeListener("exit", stopOnExit));
  child.stdout!.on("data", (d) => (output += d.toString()));
  child.stderr!.on("data", (d) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not up in time: stop what it started (Ctrl-C to the group), then fail with its output.
      clearInterval(check);
      child.removeAllListeners("exit");
      child.once("close", () => reject(new Error(`npm ${args.join(" ")} printed no READY within ${timeoutMs / 1000} s:\n${output}`)));
      process.kill(-child.pid!, "SIGINT");
    }, timeoutMs);
    const check = setInterval(() => {
      if (output.includes("READY")) {
        clearTimeout(timer);
        clearInterval(check);
        resolve({ child, output: () => output });
      }
    }, 200);
    child.on("exit", (code) => {
      clearTimeout(timer);
      clearInterval(check);
      reject(new Error(`npm ${args.join(" ")} exited with ${code} before READY:\n${output}`));
    });
  });
}

/** Whether the script is still running. */
export const isRunning = ({ child }: StartedScript) => child.exitCode === null && child.signalCode === null;

/**
 * Ctrl-C (a terminal signals the whole foreground process group: npm and the script; npm dies of
 * it, the script finishes its shutdown and says "stopped"). Resolves "stopped cleanly", or the
 * whole output when the last line is not "stopped".
 */
export function stopNpmScript({ child, output }: StartedScript): Promise<string> {
  return new Promise((resolve) => {
    child.once("close", () => resolve(/stopped\s*$/.test(output()) ? "stopped cleanly" : output()));
    process.kill(-child.pid!, "SIGINT");
  });
}
