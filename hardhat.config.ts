import { createRequire } from "node:module";
import hardhatToolboxViemPlugin from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

// Compilers cannot be downloaded on our machines: use the soljson.js shipped by
// the npm `solc` package (pinned in package.json) instead of Hardhat's download.
const require = createRequire(import.meta.url);
const soljson = require.resolve("solc/soljson.js");
const solcVersion: string = require("solc/package.json").version;

export default defineConfig({
  plugins: [hardhatToolboxViemPlugin],
  solidity: {
    compilers: [
      {
        version: solcVersion,
        path: soljson,
        settings: {
          // OpenZeppelin 5 uses mcopy/transient-free cancun opcodes.
          evmVersion: "cancun",
          optimizer: { enabled: true, runs: 2000 },
        },
      },
    ],
  },
  paths: {
    sources: "contracts/src",
    tests: { nodejs: "contracts/test" },
    cache: "cache",
    artifacts: "artifacts",
  },
  networks: {
    // The chain behind `npm start` (scripts/lib/devChain.ts): Hardhat's EDR served over HTTP, with
    // a block journal so a restart resumes the same chain.
    devchain: {
      type: "edr-simulated",
      chainType: "l1",
      chainId: 31337,
      mining: { auto: true, interval: 0 },
    },
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.PEKANU_RPC_URL ?? "http://127.0.0.1:8545",
    },
  },
});
