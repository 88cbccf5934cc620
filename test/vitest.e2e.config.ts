/**
 * Browser end-to-end tests (Chromium + extensions + hardhat node): long
 * timeouts, one file at a time.
 *
 *   npx vitest run --config test/vitest.e2e.config.ts
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
    include: ["test/**/*.e2e.test.ts"],
    globalSetup: ["test/e2e/support/globalSetup.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    pool: "forks",
  },
});
