// The provider server (S-CSP) as a library: createProviderServer builds everything against a data
// dir and an RPC (deploying or attaching the contract), start() begins listening and following the
// chain, stop() ends both and closes the database. Tests run it in-process with their own data dir.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { PekanuDomain } from "@pekanu/protocol";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import { createBlobStore } from "./blobs/createBlobStore.ts";
import { connectChain } from "./chain/connectChain.ts";
import { createEventFollower } from "./chain/createEventFollower.ts";
import { createTxSender, defaultFeePolicy } from "./chain/createTxSender.ts";
import { ensureDeployment } from "./chain/ensureDeployment.ts";
import { readContractInfo } from "./chain/readContractInfo.ts";
import { waitForChain } from "./chain/waitForChain.ts";
import { describeConfig, type ProviderConfig, type ProviderConfigInput, requiredConfirmations, resolveConfig } from "./config.ts";
import type { ServerContext } from "./context.ts";
import { createLogger } from "./createLogger.ts";
import { openDatabase } from "./db/openDatabase.ts";
import { createTaskRunner } from "./disputes/createTaskRunner.ts";
import { createEarningsCollector, type CollectResult } from "./earnings/createEarningsCollector.ts";
import { authRoutes } from "./routes/authRoutes.ts";
import { fileRoutes } from "./routes/fileRoutes.ts";
import { infoRoutes } from "./routes/infoRoutes.ts";
import { installErrorHandling } from "./routes/installErrorHandling.ts";
import { orderRoutes } from "./routes/orderRoutes.ts";
import { quoteRoutes } from "./routes/quoteRoutes.ts";
import { registrationRoutes } from "./routes/registrationRoutes.ts";
import { createStore } from "./store/createStore.ts";

export const VERSION = "0.1.0";

/** How long each part of a graceful stop may take before the next one goes ahead without it. */
const STOP_GRACE_MS = 5_000;

export type ProviderServerOptions = {
  /** A resolved configuration (loadConfig) or the options to resolve (defaults fill the rest). */
  config: ProviderConfig | ProviderConfigInput;
  logger?: Logger;
  /** Give up connecting to the RPC after this many attempts (default: keep trying). */
  maxConnectAttempts?: number;
};

export type ProviderServer = {
  app: FastifyInstance;
  config: ProviderConfig;
  context: ServerContext;
  /** Listens on config.host:config.port and starts following the chain; returns the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
  /** Applies every confirmed contract event now and runs due tasks (tests, CLI). */
  sync(): Promise<void>;
  /** Sends the settle / release transactions that are due now (what the collector does periodically). */
  collectEarnings(): Promise<CollectResult>;
  /** The URL the server listens on (after start). */
  url(): string | undefined;
};

export async function createProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  // resolveConfig is idempotent: a resolved configuration passes through unchanged.
  const config = resolveConfig(options.config as ProviderConfigInput);
  const log = options.logger ?? createLogger({ level: config.logLevel });
  log.info({ config: describeConfig(config) }, "starting pekanu provider");

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const blobs = createBlobStore({ dataDir: config.dataDir });
  const removed = await blobs.init();
  if (removed > 0) log.warn({ removed }, "removed temp files left by an interrupted upload");
  const db = openDatabase({ path: join(config.dataDir, "provider.sqlite") });
  const store = createStore(db);
  store.invites.addCodes(config.registration.inviteCodes);

  let context: ServerContext | undefined;
  try {
    const chain = await waitForChain({
      connect: () => connectChain({ rpcUrl: config.rpcUrl, ownerKey: config.ownerKey, signerKey: config.signerKey, expectedChainId: config.chainId }),
      log,
      maxAttempts: options.maxConnectAttempts,
    });
    const deployment = await ensureDeployment({ config, store, chain, log });
    const contract = await readContractInfo({ chain, address: deployment.address });
    if (contract.signer.toLowerCase() !== chain.signer.address.toLowerCase()) {
      log.error({ contractSigner: contract.signer, serverSigner: chain.signer.address }, "the signer key is not the contract's signer: quotes will be refused");
    }
    if (contract.owner.toLowerCase() !== chain.owner.address.toLowerCase()) {
      log.error({ contractOwner: contract.owner, serverOwner: chain.owner.address }, "the owner key is not the contract's owner: registrations and refunds will fail");
    }
    const confirmations = requiredConfirmations({ config, chainId: chain.chainId });
    const domain: PekanuDomain = { chainId: chain.chainId, verifyingContract: deployment.address };
    const txSender = createTxSender({ chain, address: deployment.address, log, store, fees: { ...defaultFeePolicy, maxFeePerGas: config.maxFeePerGas }, pollIntervalMs: config.pollIntervalMs });
    const tasks = createTaskRunner({ getContext: () => context!, log, pollIntervalMs: Math.max(config.pollIntervalMs, 250) });
    const collector = createEarningsCollector({ getContext: () => context!, log, intervalMs: config.collectIntervalMs });
    const follower = createEventFollower({
      store,
      chain,
      address: deployment.address,
      deployBlock: deployment.deployBlock,
      confirmations,
      pollIntervalMs: config.pollIntervalMs,
      maxBlockRange: config.maxBlockRange,
      log,
      onApplied: (result) => {
        if (result.signerRotatedTo && context) context.contract.signer = result.signerRotatedTo;
        if (result.tasksAdded > 0) tasks.kick();
      },
    });
    context = {
      config,
      log,
      store,
      blobs,
      chain,
      deployment,
      contract,
      confirmations,
      domain,
      txSender,
      follower,
      tasks,
      collector,
      busyOrders: new Set<Hex>(),
      pendingRegistrations: new Map<Address, Promise<unknown>>(),
      version: VERSION,
    };
  } catch (error) {
    db.close();
    throw error;
  }
  const ctx = context;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // The upload route checks sizes itself; keep-alive sockets are closed on errors.
    requestTimeout: 0,
    return503OnClosing: true,
    trustProxy: config.trustProxy,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Uploads are streamed: the handler reads the request itself (size and root checked on the fly).
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));
  installErrorHandling(app);
  for (const routes of [infoRoutes, authRoutes, registrationRoutes, quoteRoutes, orderRoutes, fileRoutes]) routes({ app, ctx });
  await app.ready();

  let listening: string | undefined;
  let stopped = false;
  return {
    app,
    config,
    context: ctx,
    async start() {
      await ctx.follower.syncNow().catch((error) => log.warn({ err: (error as Error).message }, "initial chain sync failed"));
      ctx.follower.start();
      ctx.tasks.start();
      ctx.collector.start();
      listening = await app.listen({ host: config.host, port: config.port });
      log.info({ url: listening, publicBaseUrl: config.publicBaseUrl, contract: ctx.deployment.address }, "provider listening");
      return listening;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Each step gets a bounded grace period, so one stuck request or RPC call cannot keep the
      // process from exiting; what was cut short is logged, and everything is restart-safe.
      const bounded = async (name: string, work: Promise<unknown>) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), STOP_GRACE_MS)));
        const outcome = await Promise.race([work.then(() => "done" as const), late]);
        clearTimeout(timer);
        if (outcome === "late") log.warn({ step: name, graceMs: STOP_GRACE_MS }, "shutdown step still running: continuing without it");
      };
      await bounded("http", app.close());
      app.server.closeAllConnections?.();
      await bounded("event follower", ctx.follower.stop());
      await bounded("task runner", ctx.tasks.stop());
      await bounded("earnings collector", ctx.collector.stop());
      db.close();
      log.info("provider stopped");
    },
    async sync() {
      await ctx.follower.syncNow();
      await ctx.tasks.runDue();
    },
    collectEarnings: () => ctx.collector.collectOnce(),
    url: () => listening,
  };
}
