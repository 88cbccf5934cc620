// `npm start`: the whole local stack in one command.
//   1. a local EVM (Hardhat's EDR) on 127.0.0.1:8545, journaled so the next start resumes it;
//   2. the provider server on 127.0.0.1:8787, deploying and staking the ServerContract on first start;
//   3. the extension build (plasmo) to load unpacked;
// then prints what to do next. Ctrl-C stops everything cleanly; running it again resumes with the
// same data (chain journal and provider data dir under .data/ unless PEKANU_HOME says otherwise).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { mnemonicToAccount } from "viem/accounts";
import { bytesToHex, formatEther } from "viem";
import { serverContractAbi } from "@pekanu/protocol";
import { createProviderServer } from "../provider-server/src/app.ts";
import { createLogger } from "../provider-server/src/createLogger.ts";
import { startDevChain } from "./lib/devChain.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const home = resolve(process.env.PEKANU_HOME ?? `${root}.data`);
const rpcPort = Number(process.env.PEKANU_RPC_PORT ?? 8545);
const serverPort = Number(process.env.PEKANU_PORT ?? 8787);
const skipExtension = process.env.PEKANU_SKIP_EXTENSION_BUILD === "1";
const walletExtensionId = process.env.PLASMO_PUBLIC_WALLET_EXTENSION_ID;

// Hardhat's well-known development mnemonic: every account is funded with 10,000 ETH on the local
// chain. These keys are public — never use them anywhere else.
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
const devKey = (index: number) => {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
  return { address: account.address, privateKey: bytesToHex(account.getHdKey().privateKey!) };
};
const owner = devKey(0);
const signer = devKey(1);

const say = (line = "") => process.stdout.write(`${line}\n`);

say(`pekanu: data in ${home}`);
function portBusy(error: unknown, port: number, variable: string): never {
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    say(`pekanu: port ${port} on 127.0.0.1 is in use (another \`npm start\`?). Stop it, or choose another port with ${variable}=…`);
    process.exit(1);
  }
  throw error;
}
const chain = await startDevChain({
  port: rpcPort,
  journalPath: `${home}/chain/journal.jsonl`,
  log: (line) => say(`chain: ${line}`),
}).catch((error) => portBusy(error, rpcPort, "PEKANU_RPC_PORT"));
say(`chain: JSON-RPC at ${chain.rpcUrl} (chain id ${chain.chainId})${chain.replayedBlocks ? `, resumed ${chain.replayedBlocks} blocks` : ""}`);

const logger = createLogger({ level: process.env.PEKANU_LOG_LEVEL ?? "warn" });
const server = await createProviderServer({
  config: {
    dataDir: `${home}/provider`,
    host: "127.0.0.1",
    port: serverPort,
    rpcUrl: chain.rpcUrl,
    ownerKey: owner.privateKey,
    signerKey: signer.privateKey,
    stakeWei: 100n * 10n ** 18n,
    paramsProfile: "local",
    pollIntervalMs: 1000,
    // Compute jobs: a ComputeContract deployed and staked on first start (kept in the data dir),
    // as `--compute-contract deploy --compute-stake 100` would.
    compute: { contract: "deploy", stakeWei: 100n * 10n ** 18n },
  },
  logger,
});
const providerUrl = await server.start().catch(async (error) => {
  await chain.close();
  return portBusy(error, serverPort, "PEKANU_PORT");
});
const info = server.context;

let extensionDir: string | undefined;
if (!skipExtension) {
  say("extension: building with plasmo (about a minute the first time)...");
  const ok = await new Promise<boolean>((done) => {
    const child = spawn("npm", ["run", "build", "-w", "@pekanu/extension"], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, ...(walletExtensionId ? { PLASMO_PUBLIC_WALLET_EXTENSION_ID: walletExtensionId } : {}) },
    });
    child.on("close", (code) => done(code === 0));
  });
  // plasmo names the output after PLASMO_TAG (default "prod"): tests build under their own tag.
  extensionDir = `${root}extension/build/chrome-mv3-${process.env.PLASMO_TAG ?? "prod"}`;
  if (!ok || !existsSync(`${extensionDir}/manifest.json`)) {
    say("extension: build FAILED (see above); the chain and the provider keep running");
    extensionDir = undefined;
  }
}

const contractAddress = info.deployment.address;
const stake = await info.chain.publicClient
  .readContract({ address: contractAddress, abi: serverContractAbi, functionName: "stake" })
  .catch(() => undefined);
say();
say("════════════════════════ Pekanu local stack is up ════════════════════════");
say(`Provider server   ${providerUrl}   (status page: ${providerUrl}/)`);
say(`Chain RPC         ${chain.rpcUrl}   chain id ${chain.chainId}`);
say(`ServerContract    ${contractAddress}${stake ? `   stake ${formatEther(stake[0])} ETH (${formatEther(stake[1])} locked)` : ""}`);
if (info.compute) say(`ComputeContract   ${info.compute.address}   (compute jobs: POST ${providerUrl}/v1/jobs/quotes)`);
say();
say("Next steps:");
if (extensionDir) {
  say(`  1. Open chrome://extensions, turn on Developer mode, "Load unpacked" and pick:`);
  say(`       ${extensionDir}`);
} else {
  say("  1. Build the extension with `npm run build -w @pekanu/extension`, then load extension/build/chrome-mv3-prod unpacked");
}
say(`  2. In your wallet (MetaMask), add the network: RPC URL ${chain.rpcUrl}, chain id ${chain.chainId}, currency ETH`);
say("  3. Import one of these funded development accounts (public keys — local use only):");
for (const index of [2, 3, 4, 5]) {
  const account = devKey(index);
  say(`       ${account.address}   ${account.privateKey}`);
}
say(`  4. Open the Pekanu extension and connect to the provider at ${providerUrl}`);
say("Ctrl-C stops everything; `npm start` again resumes with the same chain and data.");
say("READY");

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  say(`\n${signal}: stopping...`);
  await server.stop().catch((e) => say(`provider: ${e}`));
  await chain.close().catch((e) => say(`chain: ${e}`));
  say("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
