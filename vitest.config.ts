import { defineConfig } from "vitest/config";

// The vitest projects cover the TypeScript parts; the contract suite runs under `hardhat test nodejs`
// (for Solidity coverage). `npm test` runs all of them in three tracks (scripts/test.ts) and prints one summary line.
// The scale-out run (PostgreSQL + Ceph RGW: the whole provider-server suite, the cluster test and
// `npm run start:cluster`) is the projects `server-scale` and `cluster-start`, present when
// PEKANU_TEST_SCALE=1. `npm test` runs them on their own track beside the others
// (scripts/test.ts); `npm run test:scale` runs them alone.
const scale = process.env.PEKANU_TEST_SCALE === "1";
const scaleProject = {
  // The whole provider-server suite against the scale-out backends: PostgreSQL for state and
  // a real Ceph RGW for blobs, started by the globalSetup (scripts/infra/postgres.sh and
  // ceph-s3.sh, provisioned with apt-get when missing). Each data dir gets its own database,
  // each test file its own bucket (test/support/stateBackend.ts). The few tests of one backend's
  // own details (SQLite pragmas, the blob files on disk) run where that backend is, with the
  // reason in their title.
  // (It replaced `server-ceph`, which ran two of these files against Ceph with SQLite state.)
  test: {
    name: "server-scale",
    include: ["provider-server/**/*.test.ts"],
    globalSetup: ["provider-server/test/support/scaleGlobalSetup.ts"],
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
};

// `npm run start:cluster` from nothing (PostgreSQL, Ceph, two instances, HAProxy): in the scale run
// too, since it needs what that run provisions (apt-get) and takes a minute of mostly waiting.
const clusterStartProject = {
  test: { name: "cluster-start", include: ["test/startCluster.e2e.test.ts"], testTimeout: 900_000, hookTimeout: 300_000 },
};

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { name: "protocol", include: ["protocol/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "server",
          include: ["provider-server/**/*.test.ts"],
          // Several instances over one state: run in server-scale only (PostgreSQL and Ceph RGW).
          exclude: ["provider-server/test/cluster.test.ts", "**/node_modules/**"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      ...(scale ? [scaleProject, clusterStartProject] : []),
      { test: { name: "extension", include: ["extension/**/*.test.ts"], exclude: ["**/node_modules/**", "extension/build/**", "extension/.plasmo/**"], testTimeout: 60_000 } },
      {
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          exclude: ["test/startCluster.e2e.test.ts", "**/node_modules/**"],
          // One chain + provider server + extension build for every e2e file, started on first use.
          globalSetup: ["test/e2e/support/globalSetup.ts"],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
