// `npm start`: the whole local stack in one command.
//   1. a local EVM (Hardhat's EDR) on 127.0.0.1:8545, journaled so the next start resumes it;
//   2. the provider server on 127.0.0.1:8787, deploying and staking the ServerContract on first start;
//   3. the extension build (plasmo) to load unpacked;
// then prints what to do next. Ctrl-C stops everything cleanly; running it again resumes with the
// same data (chain journal and provider data dir under .data/ unless PEKANU_HOME says otherwise).
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serverContractAbi } from "@pekanu/protocol";
import { createProviderServer } from "../provider-server/src/app.ts";
import { createLogger } from "../provider-server/src/createLogger.ts";
import { buildExtension } from "./lib/buildExtension.ts";
import { startDevChain } from "./lib/devChain.ts";
import { devKey, printNextSteps } from "./lib/nextSteps.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const home = resolve(process.env.PEKANU_HOME ?? `${root}.data`);
const rpcPort = Number(process.env.PEKANU_RPC_PORT ?? 8545);
const serverPort = Number(process.env.PEKANU_PORT ?? 8787);
const skipExtension = process.env.PEKANU_SKIP_EXTENSION_BUILD === "1";
const walletExtensionId = process.env.PLASMO_PUBLIC_WALLET_EXTENSION_ID;

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

const extensionDir = skipExtension ? undefined : await buildExtension({ root, say, walletExtensionId });

const contractAddress = info.deployment.address;
const stake = await info.chain.publicClient
  .readContract({ address: contractAddress, abi: serverContractAbi, functionName: "stake" })
  .catch(() => undefined);
printNextSteps({
  say,
  providerUrl,
  rpcUrl: chain.rpcUrl,
  chainId: chain.chainId,
  contractAddress,
  stake,
  extensionDir,
  extra: info.compute ? [`ComputeContract   ${info.compute.address}   (compute jobs: POST ${providerUrl}/v1/jobs/quotes)`] : [],
  restartHint: "Ctrl-C stops everything; `npm start` again resumes with the same chain and data.",
});

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
