#!/usr/bin/env node
// Runs the TypeScript sources directly (Node ≥ 22.18 / 24 strips types natively).
import { runCli } from "../src/cli.ts";

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
