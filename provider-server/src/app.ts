// The provider server (S-CSP) as a library: createProviderServer builds everything against a data
// dir and an RPC (deploying or attaching the contract), start() begins listening and following the
// chain, stop() ends both and closes the database. Tests run it in-process with their own data dir.
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import type { PekanuDomain } from "@pekanu/protocol";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import { openBlobStore } from "./blobs/openBlobStore.ts";
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { ComputeContext } from "./compute/ComputeContext.ts";
import { createComputeFollower } from "./compute/createComputeFollower.ts";
import { createJobQueue } from "./compute/createJobQueue.ts";
import { ensureComputeDeployment } from "./compute/ensureComputeDeployment.ts";
import { jobRoutes } from "./routes/jobRoutes.ts";
import { connectChain } from "./chain/connectChain.ts";
import { createLeaderLease, type LeaderLease } from "./cluster/createLeaderLease.ts";
import { createEventFollower } from "./chain/createEventFollower.ts";
import { createTxSender, defaultFeePolicy } from "./chain/createTxSender.ts";
import { ensureDeployment } from "./chain/ensureDeployment.ts";
import { readContractInfo } from "./chain/readContractInfo.ts";
import { waitForChain } from "./chain/waitForChain.ts";
import { describeConfig, type ProviderConfig, type ProviderConfigInput, requiredConfirmations, resolveConfig } from "./config.ts";
import type { InFlightUpload, ServerContext } from "./context.ts";
import { ConfigError } from "./ConfigError.ts";
import { createLogger } from "./createLogger.ts";
import { openDatabase } from "./db/openDatabase.ts";
import { createTaskRunner } from "./disputes/createTaskRunner.ts";
import { createEarningsCollector, type CollectResult } from "./earnings/createEarningsCollector.ts";
import { authRoutes } from "./routes/authRoutes.ts";
import { fileRoutes } from "./routes/fileRoutes.ts";
import { infoRoutes } from "./routes/infoRoutes.ts";
import { siweDomains } from "./auth/siweDomains.ts";
import { installCors } from "./http/installCors.ts";
import { limitConnections } from "./http/limitConnections.ts";
import { registerOpenApi } from "./http/registerOpenApi.ts";
import { watchRequestBody } from "./http/watchRequestBody.ts";
import { createRegistrationBatcher } from "./registration/createRegistrationBatcher.ts";
import { clientErrorHandler, installErrorHandling } from "./routes/installErrorHandling.ts";
import { openApiRoutes } from "./routes/openApiRoutes.ts";
import { orderRoutes } from "./routes/orderRoutes.ts";
import { quoteRoutes } from "./routes/quoteRoutes.ts";
import { registrationRoutes } from "./routes/registrationRoutes.ts";
import { resumableUploadRoutes } from "./routes/resumableUploadRoutes.ts";
import { createStore, type Store } from "./store/createStore.ts";

export const VERSION = "0.1.0";

/** How long each part of a graceful stop may take before the next one goes ahead without it. */
const STOP_GRACE_MS = 5_000;
/** Unpaid quotes are deleted this long after they expired (no payment can land any more). */
const QUOTE_PRUNE_GRACE_S = 86_400;
const QUOTE_PRUNE_INTERVAL_MS = 10 * 60_000;

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
  /** Every route registered (method and URL pattern), e.g. to check the OpenAPI document covers them. */
  routes: { method: string; url: string }[];
  /** Deletes quotes that expired unpaid more than a day ago, and expired sign-in nonces and sessions (done every 10 minutes); returns how many quotes. */
  pruneQuotes(now?: number): Promise<number>;
};

export async function createProviderServer(options: ProviderServerOptions): Promise<ProviderServer> {
  // resolveConfig is idempotent: a resolved configuration passes through unchanged.
  const config = resolveConfig(options.config as ProviderConfigInput);
  const log = options.logger ?? createLogger({ level: config.logLevel });
  log.info({ config: describeConfig(config) }, "starting pekanu provider");

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const blobs = await openBlobStore({ config });
  const removed = await blobs.init();
  if (removed > 0) log.warn({ removed }, "removed temp files left by an interrupted upload");
  const db = await openDatabase({ dataDir: config.dataDir, url: config.database, poolSize: config.databasePoolSize });
  const store = createStore(db);
  if (config.leaderLeaseMs === 0) {
    // The only instance: an upload lease still held now is its own dead predecessor's.
    const freed = await store.uploads.releaseAll();
    if (freed > 0) log.warn({ freed }, "released upload leases held by the previous run");
  }

  let context: ServerContext | undefined;
  let lease: LeaderLease | undefined;
  try {
    await store.invites.addCodes(config.registration.inviteCodes);
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
    const compute = await setUpCompute({ config, store, chain, log, confirmations, getContext: () => context!, kickTasks: () => tasks.kick() });
    context = {
      compute,
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
      busyOrders: new Map<Hex, InFlightUpload>(),
      pendingRegistrations: new Map<Address, Promise<unknown>>(),
      siweDomains: siweDomains({ config, chainId: chain.chainId }),
      nonceKey: await nonceKey(store),
      registrations: createRegistrationBatcher({ txSender, log }),
      version: VERSION,
      leader: { instanceId: config.instanceId, isLeader: () => lease?.isLeader() ?? true },
    };
  } catch (error) {
    await db.close();
    await blobs.close();
    throw error;
  }
  const ctx = context;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // Node's own timeouts, checked every second: headers must arrive within headersTimeoutMs
    // (slow-loris), a whole request within requestTimeoutMs, and a connection silent for
    // idleTimeoutMs is closed (a stalled upload included). Body deadlines: watchRequestBody.
    serverFactory: (handler) => {
      const server = createServer(
        {
          headersTimeout: config.headersTimeoutMs,
          requestTimeout: config.requestTimeoutMs,
          // Between requests a kept-alive socket may idle this long (Fastify's default, longer than
          // clients and proxies keep theirs, so a reused socket is not closed under a new request);
          // a connection that never sent a request is closed by the headers timeout instead.
          keepAliveTimeout: Math.max(72_000, config.idleTimeoutMs),
          connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
          maxHeaderSize: 16 * 1024,
        },
        handler,
      );
      server.setTimeout(config.idleTimeoutMs);
      return server;
    },
    clientErrorHandler,
    return503OnClosing: true,
    trustProxy: config.trustProxy,
  });
  limitConnections({
    server: app.server,
    maxConnections: config.maxConnections,
    maxPerAddress: config.maxConnectionsPerIp,
    perAddress: config.trustProxy === false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Uploads are streamed: the handler reads the request itself (size and root checked on the fly).
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));
  // An empty JSON body is no body (POST /v1/registrations takes an optional one).
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "" || (typeof body === "string" && body.trim() === "")) return done(null, undefined);
    return jsonParser(request, body as string, done);
  });
  const routes: { method: string; url: string }[] = [];
  app.addHook("onRoute", (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ method, url: route.url });
  });
  installErrorHandling(app);
  installCors({ app, accepted: ctx.siweDomains });
  watchRequestBody({ app, bodyTimeoutMs: config.bodyTimeoutMs, windowMs: config.idleTimeoutMs, minBytesPerSecond: config.minUploadBytesPerSecond });
  await registerOpenApi({ app, version: VERSION, serverUrl: config.publicBaseUrl });
  for (const routes of [infoRoutes, authRoutes, registrationRoutes, quoteRoutes, orderRoutes, fileRoutes, resumableUploadRoutes, jobRoutes, openApiRoutes]) routes({ app, ctx });
  await app.ready();

  // Expired unpaid quotes (after a grace), and expired sign-in nonces and sessions (a used nonce
  // is kept until it expires, so a replay still finds it used).
  const AUTH_PRUNE_MARGIN_S = 600;
  const pruneQuotes = async (now = Math.floor(Date.now() / 1000)) => {
    const removed = await ctx.store.orders.pruneExpiredQuotes({ before: now - QUOTE_PRUNE_GRACE_S });
    if (ctx.compute) await ctx.store.jobs.pruneExpiredQuotes({ before: now - QUOTE_PRUNE_GRACE_S });
    // With a margin: an instance whose clock runs behind the leader's still takes a nonce the
    // leader sees expired, and must still find it used.
    await ctx.store.auth.prune(now - AUTH_PRUNE_MARGIN_S);
    if (removed > 0) log.info({ removed }, "expired unpaid quotes deleted");
    return removed;
  };
  let pruneTimer: NodeJS.Timeout | undefined;

  // The chain work: the event follower, dispute answers, earnings and quote pruning. The only
  // instance runs it from start to stop; with a leader lease (several instances over one
  // database) the lease holder runs it, and stops it the moment the lease is lost.
  let chainWork: Promise<void> = Promise.resolve();
  let chainWorkRunning = false;
  const startChainWork = async () => {
    if (chainWorkRunning) return;
    chainWorkRunning = true;
    await ctx.follower.syncNow().catch((error) => log.warn({ err: (error as Error).message }, "initial chain sync failed"));
    await ctx.txSender.adopt().catch((error) => log.warn({ err: (error as Error).message }, "adopting pending transactions failed"));
    ctx.follower.start();
    if (ctx.compute) {
      await ctx.compute.follower.syncNow().catch((error) => log.warn({ err: (error as Error).message }, "initial compute sync failed"));
      ctx.compute.queue.warm();
      await ctx.compute.queue.resume();
      ctx.compute.follower.start();
    }
    ctx.tasks.start();
    ctx.collector.start();
    const prune = () => pruneQuotes().catch((error) => log.warn({ err: (error as Error).message }, "pruning expired quotes failed"));
    await prune();
    pruneTimer = setInterval(prune, QUOTE_PRUNE_INTERVAL_MS);
    pruneTimer.unref();
  };
  const pauseChainWork = async () => {
    if (!chainWorkRunning) return;
    chainWorkRunning = false;
    clearInterval(pruneTimer);
    await Promise.all([ctx.follower.stop(), ctx.tasks.pause(), ctx.collector.stop(), ctx.compute?.follower.stop()]);
  };
  // A follower does not apply events, so it learns a signer rotation from the chain itself.
  let signerTimer: NodeJS.Timeout | undefined;
  const SIGNER_REFRESH_MS = 30_000;
  if (config.leaderLeaseMs > 0) {
    signerTimer = setInterval(() => {
      if (lease?.isLeader()) return;
      readContractInfo({ chain: ctx.chain, address: ctx.deployment.address }).then(
        (info) => (ctx.contract.signer = info.signer),
        (error) => log.warn({ err: (error as Error).message.split("\n")[0] }, "reading the contract's signer failed"),
      );
    }, SIGNER_REFRESH_MS);
    signerTimer.unref();
    lease = createLeaderLease({
      store: ctx.store,
      instanceId: config.instanceId,
      leaseMs: config.leaderLeaseMs,
      log,
      onElected: () => (chainWork = chainWork.then(startChainWork)),
      onDeposed: () => (chainWork = chainWork.then(pauseChainWork)),
    });
  }

  let listening: string | undefined;
  let stopped = false;
  return {
    app,
    config,
    context: ctx,
    async start() {
      if (lease) await lease.start();
      else await (chainWork = startChainWork());
      listening = await app.listen({ host: config.host, port: config.port });
      log.info({ url: listening, instance: config.instanceId, leaderLease: config.leaderLeaseMs > 0, publicBaseUrl: config.publicBaseUrl, contract: ctx.deployment.address }, "provider listening");
      return listening;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(pruneTimer);
      clearInterval(signerTimer);
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
      if (lease) await bounded("leader lease", lease.stop().then(() => chainWork));
      await bounded("event follower", ctx.follower.stop());
      if (ctx.compute) {
        await bounded("compute follower", ctx.compute.follower.stop());
        await bounded("compute jobs", ctx.compute.queue.stop());
      }
      await bounded("task runner", ctx.tasks.stop());
      await bounded("earnings collector", ctx.collector.stop());
      await db.close();
      await blobs.close();
      log.info("provider stopped");
    },
    async sync() {
      await ctx.follower.syncNow();
      await ctx.compute?.follower.syncNow();
      await ctx.tasks.runDue();
    },
    collectEarnings: () => ctx.collector.collectOnce(),
    url: () => listening,
    routes,
    pruneQuotes,
  };
}

/**
 * Compute jobs (--compute-contract): attaches to (or deploys) the ComputeContract, reads its signer
 * and windows, and builds its event follower and job queue. Null when compute is off. The test-only
 * flip switch is refused on any chain but 31337.
 */
async function setUpCompute({
  config,
  store,
  chain,
  log,
  confirmations,
  getContext,
  kickTasks,
}: {
  config: ProviderConfig;
  store: ReturnType<typeof createStore>;
  chain: Awaited<ReturnType<typeof connectChain>>;
  log: Logger;
  confirmations: number;
  getContext: () => ServerContext;
  kickTasks: () => void;
}): Promise<ComputeContext | null> {
  if (config.compute.testFlipResult && chain.chainId !== 31337) {
    throw new ConfigError(`--test-flip-result is a test switch: refused on chain ${chain.chainId} (only 31337)`);
  }
  const deployment = await ensureComputeDeployment({ config, store, chain, log });
  if (!deployment) return null;
  const contract = { address: deployment.address, abi: computeContractAbi } as const;
  const [signer, params] = await Promise.all([
    chain.publicClient.readContract({ ...contract, functionName: "signer" }),
    chain.publicClient.readContract({ ...contract, functionName: "params" }),
  ]);
  if (signer.toLowerCase() !== chain.signer.address.toLowerCase()) {
    log.error({ contractSigner: signer, serverSigner: chain.signer.address }, "the signer key is not the ComputeContract's signer: job quotes will be refused");
  }
  if (config.compute.testFlipResult) log.warn("TEST SWITCH --test-flip-result: every compute result gets one wrong entry");
  const queue = createJobQueue({ getContext, log, concurrency: config.compute.concurrency });
  let compute: ComputeContext;
  const follower = createComputeFollower({
    store,
    chain,
    address: deployment.address,
    deployBlock: deployment.deployBlock,
    confirmations,
    pollIntervalMs: config.pollIntervalMs,
    maxBlockRange: config.maxBlockRange,
    log,
    onApplied: ({ queued, tasksAdded, signerRotatedTo }) => {
      if (signerRotatedTo) compute.signer = signerRotatedTo;
      for (const jobId of queued) queue.enqueue(jobId);
      if (tasksAdded > 0) kickTasks();
    },
  });
  compute = {
    address: deployment.address,
    deployBlock: deployment.deployBlock,
    domain: { chainId: chain.chainId, verifyingContract: deployment.address },
    signer,
    params: { verifyWindow: params.verifyWindow, responseWindow: params.responseWindow, challengeCooldown: params.challengeCooldown, challengeBond: params.challengeBond },
    follower,
    queue,
    flipResult: config.compute.testFlipResult,
  };
  log.info({ contract: deployment.address, deployBlock: deployment.deployBlock }, "compute jobs on");
  return compute;
}

/** The HMAC key of the sign-in nonces, made once and kept in the database (restarts keep nonces valid). */
async function nonceKey(store: Store): Promise<Uint8Array> {
  // First writer wins: instances sharing a database all end up with the same key.
  const hex = (await store.meta.get("siwe_nonce_key")) ?? (await store.meta.setIfAbsent("siwe_nonce_key", randomBytes(32).toString("hex")));
  return Buffer.from(hex, "hex");
}
