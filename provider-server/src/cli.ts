// pekanu-provider: the operator's command line. `serve` (default) runs the server; the other
// commands send one owner transaction or print the status, using the same configuration (flags
// and PEKANU_* environment) and data dir as the server.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { serverContractAbi } from "@pekanu/protocol";
import { pino } from "pino";
import { type Address, formatEther, getAddress, isAddress, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createProviderServer } from "./app.ts";
import { connectChain } from "./chain/connectChain.ts";
import { createTxSender, defaultFeePolicy } from "./chain/createTxSender.ts";
import { ensureDeployment } from "./chain/ensureDeployment.ts";
import { ConfigError } from "./ConfigError.ts";
import { configHelp, loadConfig, parseFlags, type ProviderConfig } from "./config.ts";
import { createLogger } from "./createLogger.ts";
import { openDatabase } from "./db/openDatabase.ts";
import { serve } from "./main.ts";
import { statusSnapshot } from "./status/statusSnapshot.ts";
import { createStore } from "./store/createStore.ts";

const commands: Record<string, { usage: string; summary: string }> = {
  serve: { usage: "serve [options]", summary: "run the provider server (default command); deploys the contract on first start" },
  deploy: { usage: "deploy [options]", summary: "deploy ServerContract (or show the recorded deployment) and exit" },
  "stake add": { usage: "stake add <eth> [options]", summary: "deposit <eth> more stake (owner)" },
  "stake withdraw": { usage: "stake withdraw <eth> [options]", summary: "move <eth> of free stake to the owner's withdrawable balance" },
  register: { usage: "register <address> [options]", summary: "register a client on chain (owner)" },
  deregister: { usage: "deregister <address> [options]", summary: "deregister a client (paid orders are not affected)" },
  "rotate-signer": {
    usage: "rotate-signer <address> | rotate-signer --key-file <path> [options]",
    summary: "make another key the quote/receipt signer; restart the server with PEKANU_SIGNER_KEY set to it",
  },
  withdraw: { usage: "withdraw [options]", summary: "pay out the owner's settled earnings, bonds and withdrawn stake" },
  status: { usage: "status [options]", summary: "print the status (contract, stake, orders, disputes) as JSON" },
};

function help(command?: string): string {
  if (command && commands[command]) {
    const c = commands[command];
    return `usage: pekanu-provider ${c.usage}\n\n${c.summary}\n\noptions (flags override the environment):\n${configHelp()}\n`;
  }
  const list = Object.entries(commands)
    .map(([, c]) => `  ${c.usage.padEnd(48)} ${c.summary}`)
    .join("\n");
  return `usage: pekanu-provider <command> [options]\n\ncommands:\n${list}\n\n\`pekanu-provider <command> --help\` lists the options.\n`;
}

/** Opens the data dir and chain for a one-shot owner command; requires a known deployment. */
async function openAdmin(config: ProviderConfig, { allowDeploy = false } = {}) {
  // Logs go to stderr: stdout carries only the command's JSON answer.
  const log = createLogger({ level: config.logLevel === "info" ? "warn" : config.logLevel, destination: pino.destination(2) });
  const { mkdir } = await import("node:fs/promises");
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const db = await openDatabase({ path: join(config.dataDir, "provider.sqlite") });
  const store = createStore(db);
  try {
    if (!allowDeploy && !(await store.deployment.get()) && !config.contractAddress) {
      throw new ConfigError(`no deployment in ${config.dataDir}: run \`pekanu-provider deploy\` or pass --contract`);
    }
    const chain = await connectChain({ rpcUrl: config.rpcUrl, ownerKey: config.ownerKey, signerKey: config.signerKey, expectedChainId: config.chainId });
    const deployment = await ensureDeployment({ config, store, chain, log });
    const txSender = createTxSender({ chain, address: deployment.address, log, store, fees: { ...defaultFeePolicy, maxFeePerGas: config.maxFeePerGas } });
    return { log, store, chain, deployment, txSender, close: async () => {
      await txSender.stop();
      await db.close();
    } };
  } catch (error) {
    await db.close();
    throw error;
  }
}

function addressArg(value: string | undefined): Address {
  if (!value || !isAddress(value, { strict: false })) throw new ConfigError(`expected an address, got ${value ?? "nothing"}`);
  return getAddress(value);
}

function ethArg(value: string | undefined): bigint {
  if (!value || !/^\d+(\.\d{1,18})?$/.test(value)) throw new ConfigError(`expected an amount of ETH, got ${value ?? "nothing"}`);
  const wei = parseEther(value);
  if (wei === 0n) throw new ConfigError("the amount must be more than 0");
  return wei;
}

export async function runCli(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { flags, positionals } = parseFlags(argv);
  let [command = "serve", ...rest] = positionals;
  if (command === "stake") {
    command = `stake ${rest.shift() ?? ""}`.trim();
  }
  if (command === "help" || (positionals.length === 0 && flags.has("--help"))) {
    process.stdout.write(help(rest[0]));
    return 0;
  }
  if (!commands[command]) {
    process.stderr.write(`unknown command ${command}\n\n${help()}`);
    return 2;
  }
  if (flags.has("--help") || flags.has("-h")) {
    process.stdout.write(help(command));
    return 0;
  }
  if (command === "serve") {
    await serve({ argv, env });
    return -1; // keep running
  }
  const keyFile = flags.get("--key-file");
  flags.delete("--key-file");
  const config = loadConfig({ env, flags });
  const print = (value: unknown) =>
    process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);

  if (command === "status") {
    const admin = await openAdmin(config);
    await admin.close();
    const server = await createProviderServer({ config, logger: admin.log, maxConnectAttempts: 1 });
    try {
      await server.context.follower.syncNow();
      print(await statusSnapshot({ ctx: server.context }));
    } finally {
      await server.stop();
    }
    return 0;
  }

  const admin = await openAdmin(config, { allowDeploy: command === "deploy" });
  try {
    switch (command) {
      case "deploy":
        print(admin.deployment);
        break;
      case "stake add": {
        const { txHash } = await admin.txSender.send({ functionName: "depositStake", args: [], value: ethArg(rest[0]) });
        print({ txHash });
        break;
      }
      case "stake withdraw": {
        const { txHash } = await admin.txSender.send({ functionName: "withdrawStake", args: [ethArg(rest[0])] });
        print({ txHash, note: "the amount is now withdrawable: run `pekanu-provider withdraw`" });
        break;
      }
      case "register":
      case "deregister": {
        const functionName = command === "register" ? "registerClient" : "deregisterClient";
        const { txHash } = await admin.txSender.send({ functionName, args: [addressArg(rest[0])] });
        print({ txHash });
        break;
      }
      case "rotate-signer": {
        let newSigner: Address;
        if (typeof keyFile === "string") {
          const key = readFileSync(keyFile, "utf8").trim();
          newSigner = privateKeyToAccount((key.startsWith("0x") ? key : `0x${key}`) as `0x${string}`).address;
        } else {
          newSigner = addressArg(rest[0]);
        }
        const { txHash } = await admin.txSender.send({ functionName: "rotateSigner", args: [newSigner] });
        print({ txHash, signer: newSigner, note: "restart the server with PEKANU_SIGNER_KEY (or _FILE) set to the new key" });
        break;
      }
      case "withdraw": {
        const amount = await admin.chain.publicClient.readContract({
          address: admin.deployment.address,
          abi: serverContractAbi,
          functionName: "withdrawable",
          args: [admin.chain.owner.address],
        });
        const { txHash } = await admin.txSender.send({ functionName: "withdraw", args: [] });
        print({ txHash, amountEth: formatEther(amount) });
        break;
      }
    }
  } finally {
    await admin.close();
  }
  return 0;
}
