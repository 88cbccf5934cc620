#!/usr/bin/env node
// Runs the TypeScript sources directly (Node ≥ 22.18 / 24 strips types natively). Node is first
// re-executed with memory settings (src/tuneMemory.ts), before the CLI is loaded.
import { tuneMemory } from "../src/tuneMemory.ts";

tuneMemory();
const { runCli } = await import("../src/cli.ts");

runCli().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error) => {
    const message = error?.code === "ConfigError" || error?.code === "TxReverted" ? error.message : error?.stack ?? String(error);
    process.stderr.write(`pekanu-provider: ${message}\n`);
    process.exitCode = 1;
  },
);
