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
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: "forks",
  },
});
