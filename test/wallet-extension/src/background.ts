/// <reference types="chrome" />
/**
 * Service worker of the Pekanu TEST WALLET: a stand-in for MetaMask in
 * browser tests, answering `@metamask/providers`'
 * `createExternalExtensionProvider(<this extension's id>)` the way MetaMask's
 * background does (app/scripts/background.js → connectExternalExtension →
 * setupUntrustedCommunicationEip1193):
 *
 *   chrome.runtime.onConnectExternal port
 *     → PortDuplexStream (extension-port-stream)
 *     → ObjectMultiplex (@metamask/object-multiplex), substream "metamask-provider"
 *     → createEngineStream (@metamask/json-rpc-middleware-stream)
 *     → JsonRpcEngine (@metamask/json-rpc-engine)
 *
 * Notifications (metamask_accountsChanged, metamask_chainChanged,
 * metamask_unlockStateChanged) are emitted on the engine as MetaMask does and
 * forwarded by the engine stream.
 *
 * No UI: approvals are automatic, or rejected with 4001 when the `reject`
 * option says so. Settings, permissions and the request log live in
 * chrome.storage.local (see options.ts) and are changed only here, through
 * `self.testWallet` or runtime messages from the wallet's own control page.
 */
import { JsonRpcEngine } from "@metamask/json-rpc-engine";
import { createEngineStream } from "@metamask/json-rpc-middleware-stream";
import ObjectMultiplex from "@metamask/object-multiplex";
import { JsonRpcError, providerErrors, rpcErrors } from "@metamask/rpc-errors";
import { PortDuplexStream } from "extension-port-stream";
import { pipeline } from "readable-stream";
import { bytesToHex, createWalletClient, getAddress, http, isHex, type Hex, type TypedDataDefinition } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import {
  APPROVAL_METHODS,
  DEFAULT_OPTIONS,
  STORAGE_KEYS,
  type AddedChains,
  type ApprovalMethod,
  type StoredOptions,
  type WalletControl,
  type WalletLogEntry,
  type WalletOptions,
} from "./options.ts";
import { signInProblem, typedDataProblem } from "./metamaskChecks.ts";

/** Build-time defaults (build.ts `defaults`), replaced by esbuild's `define`. */
declare const __WALLET_DEFAULTS__: Partial<WalletOptions>;

/** MetaMaskInpageProviderStreamName in @metamask/providers (METAMASK_EIP_1193_PROVIDER in MetaMask). */
const PROVIDER_STREAM = "metamask-provider";
/** Substreams MetaMask's EIP-1193 connection does not serve. */
const IGNORED_STREAMS = ["metamask-multichain-provider", "publicConfig"];
const LOG_LIMIT = 5000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface RpcRequest {
  id?: unknown;
  method: string;
  params?: unknown;
}
interface Connection {
  origin: string;
  engine: JsonRpcEngine;
}

const BUILD_DEFAULTS: WalletOptions = {
  ...DEFAULT_OPTIONS,
  ...(typeof __WALLET_DEFAULTS__ === "object" && __WALLET_DEFAULTS__ !== null ? __WALLET_DEFAULTS__ : {}),
};

const connections = new Set<Connection>();

// ---------------------------------------------------------------------------
// Connections: registered synchronously so that a connect wakes the worker.
// ---------------------------------------------------------------------------

chrome.runtime.onConnectExternal.addListener((port) => {
  const origin = originOf(port.sender);
  const portStream = new PortDuplexStream(port);
  const mux = new ObjectMultiplex();
  const engine = new JsonRpcEngine();
  const connection: Connection = { origin, engine };
  const drop = (error?: Error | null) => {
    if (!connections.delete(connection)) return;
    engine.removeAllListeners();
    if (error && !/premature close/i.test(error.message)) {
      console.warn(`test wallet: connection from ${origin} ended`, error);
    }
  };
  pipeline(portStream, mux, portStream, drop);
  for (const name of IGNORED_STREAMS) mux.ignoreStream(name);
  const providerStream = mux.createStream(PROVIDER_STREAM);

  engine.push((req, res, _next, end) => {
    handleRequest(origin, req as unknown as RpcRequest).then(
      (result) => {
        (res as { result?: unknown }).result = result;
        end();
      },
      (error: unknown) => end(toRpcError(error)),
    );
  });
  const engineStream = createEngineStream({ engine });
  pipeline(providerStream, engineStream, providerStream, drop);
  port.onDisconnect.addListener(() => drop());
  connections.add(connection);
});

/** Control API for tests: the wallet's control page relays to it (runtime messages from this extension only). */
chrome.runtime.onMessage.addListener((message: unknown, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id || !message || typeof message !== "object") return false;
  const { testWallet: name, args } = message as { testWallet?: string; args?: unknown[] };
  if (typeof name !== "string" || !(name in control)) return false;
  const fn = control[name as keyof WalletControl] as (...a: unknown[]) => Promise<unknown>;
  fn(...(args ?? [])).then(
    (result) => sendResponse({ ok: true, result }),
    (error: unknown) => sendResponse({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
  return true;
});

function originOf(sender: chrome.runtime.MessageSender | undefined): string {
  if (sender?.origin) return sender.origin;
  if (sender?.url) return new URL(sender.url).origin;
  if (sender?.id) return `chrome-extension://${sender.id}`;
  return "unknown";
}

// ---------------------------------------------------------------------------
// Storage (all writes serialized through one queue)
// ---------------------------------------------------------------------------

let storageQueue: Promise<unknown> = Promise.resolve();
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = storageQueue.then(task, task);
  storageQueue = run.catch(() => undefined);
  return run;
}

async function readKey<T>(key: string, fallback: T): Promise<T> {
  const stored = await chrome.storage.local.get(key);
  return (stored[key] as T | undefined) ?? fallback;
}

async function loadOptions(): Promise<WalletOptions> {
  return { ...BUILD_DEFAULTS, ...(await readKey<StoredOptions>(STORAGE_KEYS.options, {})) };
}

function validateOptions(patch: Partial<WalletOptions>): void {
  if (patch === null || typeof patch !== "object") throw new Error("options must be an object");
  const known = new Set(Object.keys(DEFAULT_OPTIONS));
  for (const key of Object.keys(patch)) if (!known.has(key)) throw new Error(`unknown wallet option "${key}"`);
  if (patch.privateKey !== undefined) privateKeyToAccount(patch.privateKey as Hex); // throws if invalid
  if (patch.rpcUrl !== undefined && !/^https?:\/\//.test(new URL(patch.rpcUrl).href)) {
    throw new Error(`rpcUrl must be http(s): ${patch.rpcUrl}`);
  }
  if (patch.reject !== undefined && typeof patch.reject !== "boolean") {
    if (!Array.isArray(patch.reject)) throw new Error("reject must be a boolean or a list of methods");
    for (const method of patch.reject) {
      if (!APPROVAL_METHODS.includes(method)) throw new Error(`reject: not an approval method: ${method}`);
    }
  }
  if (patch.approvalDelayMs !== undefined && !(Number.isFinite(patch.approvalDelayMs) && patch.approvalDelayMs >= 0)) {
    throw new Error("approvalDelayMs must be a non-negative number");
  }
  for (const key of ["locked", "autoConnect"] as const) {
    if (patch[key] !== undefined && typeof patch[key] !== "boolean") throw new Error(`${key} must be a boolean`);
  }
}

/** Stores option changes and tells connected clients what changed, as MetaMask would. */
async function applyOptions(patch: Partial<WalletOptions>): Promise<WalletOptions> {
  validateOptions(patch);
  const before = await loadOptions();
  await serialized(async () => {
    const stored = await readKey<StoredOptions>(STORAGE_KEYS.options, {});
    await chrome.storage.local.set({ [STORAGE_KEYS.options]: { ...stored, ...patch } });
  });
  const after = await loadOptions();
  await notifyChanges(before, after);
  return after;
}

async function permittedOrigins(): Promise<string[]> {
  return readKey<string[]>(STORAGE_KEYS.permissions, []);
}

async function setPermitted(origin: string, permitted: boolean): Promise<void> {
  await serialized(async () => {
    const origins = new Set(await permittedOrigins());
    if (permitted) origins.add(origin);
    else origins.delete(origin);
    await chrome.storage.local.set({ [STORAGE_KEYS.permissions]: [...origins] });
  });
}

async function appendLog(entry: Omit<WalletLogEntry, "seq">): Promise<number> {
  return serialized(async () => {
    const seq = (await readKey<number>(STORAGE_KEYS.logSeq, 0)) + 1;
    const log = await readKey<WalletLogEntry[]>(STORAGE_KEYS.log, []);
    log.push({ seq, ...entry });
    await chrome.storage.local.set({ [STORAGE_KEYS.logSeq]: seq, [STORAGE_KEYS.log]: log.slice(-LOG_LIMIT) });
    return seq;
  });
}

async function updateLog(seq: number, patch: Partial<WalletLogEntry>): Promise<void> {
  await serialized(async () => {
    const log = await readKey<WalletLogEntry[]>(STORAGE_KEYS.log, []);
    const entry = log.find((candidate) => candidate.seq === seq);
    if (!entry) return;
    Object.assign(entry, patch);
    await chrome.storage.local.set({ [STORAGE_KEYS.log]: log });
  });
}

const control: WalletControl = {
  getOptions: loadOptions,
  setOptions: applyOptions,
  async reset() {
    const before = await loadOptions();
    await serialized(() =>
      chrome.storage.local.remove([STORAGE_KEYS.options, STORAGE_KEYS.permissions, STORAGE_KEYS.addedChains]),
    );
    await notifyChanges(before, await loadOptions(), true);
  },
  async getLog() {
    return readKey<WalletLogEntry[]>(STORAGE_KEYS.log, []);
  },
  async clearLog() {
    await serialized(() => chrome.storage.local.set({ [STORAGE_KEYS.log]: [] }));
  },
  getPermittedOrigins: permittedOrigins,
  async getAddress() {
    return privateKeyToAccount((await loadOptions()).privateKey as Hex).address;
  },
};
(globalThis as unknown as { testWallet: WalletControl }).testWallet = control;

// ---------------------------------------------------------------------------
// Node access
// ---------------------------------------------------------------------------

let nextNodeRequestId = 1;
async function nodeRequest(rpcUrl: string, method: string, params: unknown = []): Promise<Json> {
  let body: { result?: Json; error?: { code: number; message: string; data?: Json } };
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextNodeRequestId++, method, params: params ?? [] }),
    });
    body = await response.json();
  } catch (error) {
    throw rpcErrors.internal({ message: `Test wallet could not reach the node at ${rpcUrl}: ${String(error)}` });
  }
  if (body.error) {
    throw new JsonRpcError(body.error.code, body.error.message || "Node error", body.error.data);
  }
  return body.result ?? null;
}

const chainIds = new Map<string, string>();
async function chainIdOf(rpcUrl: string): Promise<string> {
  const cached = chainIds.get(rpcUrl);
  if (cached) return cached;
  const chainId = normalizeChainId(await nodeRequest(rpcUrl, "eth_chainId"));
  chainIds.set(rpcUrl, chainId);
  return chainId;
}

function normalizeChainId(value: unknown): string {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return `0x${value.toString(16)}`;
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value) && BigInt(value) > 0n) {
    return `0x${BigInt(value).toString(16)}`;
  }
  throw rpcErrors.invalidParams({ message: `Invalid chain ID: ${JSON.stringify(value)}` });
}

async function providerNetworkState(rpcUrl: string) {
  const chainId = await chainIdOf(rpcUrl);
  return { chainId, networkVersion: BigInt(chainId).toString(10), isConnected: true };
}

// ---------------------------------------------------------------------------
// Accounts, permissions, notifications
// ---------------------------------------------------------------------------

function accountOf(options: WalletOptions): PrivateKeyAccount {
  return privateKeyToAccount(options.privateKey as Hex);
}

async function isPermitted(origin: string, options: WalletOptions): Promise<boolean> {
  return options.autoConnect || (await permittedOrigins()).includes(origin);
}

/** What eth_accounts returns to an origin (MetaMask returns lowercase addresses). */
async function exposedAccounts(origin: string, options: WalletOptions): Promise<string[]> {
  if (options.locked || !(await isPermitted(origin, options))) return [];
  return [accountOf(options).address.toLowerCase()];
}

function notify(connection: Connection, method: string, params: unknown): void {
  connection.engine.emit("notification", { jsonrpc: "2.0", method, params });
}

async function notifyChanges(before: WalletOptions, after: WalletOptions, permissionsChanged = false): Promise<void> {
  const lockChanged = before.locked !== after.locked;
  const accountChanged = accountOf(before).address !== accountOf(after).address;
  for (const connection of connections) {
    const accounts = await exposedAccounts(connection.origin, after);
    if (lockChanged) {
      notify(connection, "metamask_unlockStateChanged", { isUnlocked: !after.locked, accounts });
    }
    if (lockChanged || accountChanged || permissionsChanged) {
      notify(connection, "metamask_accountsChanged", accounts);
    }
  }
  if (before.rpcUrl !== after.rpcUrl) {
    let oldChain: string | undefined;
    try {
      oldChain = await chainIdOf(before.rpcUrl);
    } catch {
      // old node gone: report the new chain regardless
    }
    try {
      const state = await providerNetworkState(after.rpcUrl);
      if (state.chainId !== oldChain) {
        for (const connection of connections) notify(connection, "metamask_chainChanged", state);
      }
    } catch (error) {
      console.warn("test wallet: new rpcUrl unreachable", error);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function rejects(options: WalletOptions, method: ApprovalMethod): boolean {
  return options.reject === true || (Array.isArray(options.reject) && options.reject.includes(method));
}

/**
 * The "user" looks at the request: waits approvalDelayMs, waits while the
 * wallet is locked, then rejects (4001) or approves. Returns the options in
 * force at approval time.
 */
async function approve(method: ApprovalMethod): Promise<WalletOptions> {
  let options = await loadOptions();
  if (options.approvalDelayMs > 0) {
    await sleep(options.approvalDelayMs);
    options = await loadOptions();
  }
  while (options.locked && !rejects(options, method)) {
    await sleep(200);
    options = await loadOptions();
  }
  if (rejects(options, method)) throw providerErrors.userRejectedRequest();
  return options;
}

function requireAccount(address: unknown, account: PrivateKeyAccount): void {
  if (typeof address !== "string" || address.toLowerCase() !== account.address.toLowerCase()) {
    throw providerErrors.unauthorized({
      message: `The requested account and/or method has not been authorized by the user.`,
      data: { address },
    });
  }
}

async function requirePermission(origin: string, options: WalletOptions): Promise<void> {
  if (!(await isPermitted(origin, options))) throw providerErrors.unauthorized();
}

function permissionsFor(origin: string, address: string): Json {
  return [
    {
      id: `test-wallet-${origin}`,
      invoker: origin,
      parentCapability: "eth_accounts",
      date: 0,
      caveats: [{ type: "restrictReturnedAccounts", value: [address.toLowerCase()] }],
    },
  ];
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

async function handleRequest(origin: string, request: RpcRequest): Promise<Json> {
  const { method } = request;
  const params = request.params ?? [];
  const options = await loadOptions();
  const isApproval = (APPROVAL_METHODS as readonly string[]).includes(method);
  const startedAt = Date.now();
  const seq = await appendLog({
    at: new Date(startedAt).toISOString(),
    origin,
    method,
    params: params as Json,
    status: "pending",
    account: accountOf(options).address,
  });
  try {
    const result = await dispatch(origin, method, params, options);
    await updateLog(seq, {
      status: "ok",
      durationMs: Date.now() - startedAt,
      ...(isApproval ? { result } : {}),
    });
    return result;
  } catch (error) {
    const rpcError = toRpcError(error);
    await updateLog(seq, {
      status: rpcError.code === 4001 ? "rejected" : "failed",
      durationMs: Date.now() - startedAt,
      error: { code: rpcError.code, message: rpcError.message },
    });
    throw rpcError;
  }
}

async function dispatch(origin: string, method: string, params: unknown, options: WalletOptions): Promise<Json> {
  const list = Array.isArray(params) ? params : [params];
  switch (method) {
    case "metamask_getProviderState":
      return {
        isUnlocked: !options.locked,
        ...(await providerNetworkState(options.rpcUrl)),
        accounts: await exposedAccounts(origin, options),
      };
    case "metamask_logWeb3ShimUsage":
      return null;
    case "metamask_sendDomainMetadata":
      return true;
    case "eth_chainId":
      return chainIdOf(options.rpcUrl);
    case "net_version":
      return (await providerNetworkState(options.rpcUrl)).networkVersion;
    case "eth_accounts":
      return exposedAccounts(origin, options);
    case "eth_coinbase":
      return (await exposedAccounts(origin, options))[0] ?? null;

    case "eth_requestAccounts":
    case "wallet_requestPermissions": {
      if (method === "wallet_requestPermissions") {
        const requested = list[0];
        if (!requested || typeof requested !== "object" || !("eth_accounts" in requested)) {
          throw rpcErrors.invalidParams({ message: "Test wallet only grants the eth_accounts permission." });
        }
      }
      let approved = options;
      // Already connected origins get their accounts without a prompt (as in MetaMask).
      if (!(await isPermitted(origin, options)) || options.locked || method === "wallet_requestPermissions") {
        approved = await approve(method);
      }
      const newlyPermitted = !(await isPermitted(origin, approved));
      await setPermitted(origin, true);
      const accounts = await exposedAccounts(origin, approved);
      if (newlyPermitted) {
        for (const connection of connections) {
          if (connection.origin === origin) notify(connection, "metamask_accountsChanged", accounts);
        }
      }
      return method === "eth_requestAccounts" ? accounts : permissionsFor(origin, accountOf(approved).address);
    }
    case "wallet_getPermissions":
      return (await isPermitted(origin, options)) ? permissionsFor(origin, accountOf(options).address) : [];
    case "wallet_revokePermissions": {
      await setPermitted(origin, false);
      for (const connection of connections) {
        if (connection.origin === origin) notify(connection, "metamask_accountsChanged", []);
      }
      return null;
    }

    case "eth_sendTransaction": {
      await requirePermission(origin, options);
      const tx = (list[0] ?? {}) as TransactionParams;
      if (tx.from !== undefined) requireAccount(tx.from, accountOf(options));
      const approved = await approve(method);
      if (tx.from !== undefined) requireAccount(tx.from, accountOf(approved));
      return enqueueSend(() => sendTransaction(approved, tx));
    }
    case "personal_sign": {
      await requirePermission(origin, options);
      const [data, address] = list as [unknown, unknown];
      if (typeof data !== "string") throw rpcErrors.invalidParams({ message: "personal_sign: data must be a string" });
      requireAccount(address, accountOf(options));
      const signInIssue = signInProblem({ origin, from: String(address), data: isHex(data) ? data : bytesToHex(new TextEncoder().encode(data)) });
      if (signInIssue) throw rpcErrors.invalidRequest({ message: `Refused as MetaMask would flag it: ${signInIssue}`, data: { metamaskCheck: "isValidSIWEOrigin" } });
      const approved = await approve(method);
      requireAccount(address, accountOf(approved));
      return accountOf(approved).signMessage({ message: isHex(data) ? { raw: data } : data });
    }
    case "eth_signTypedData_v4": {
      await requirePermission(origin, options);
      const [address, raw] = list as [unknown, unknown];
      requireAccount(address, accountOf(options));
      const typedData = parseTypedData(raw);
      const typedIssue = typedDataProblem({ raw, parsed: typedData });
      if (typedIssue) throw rpcErrors.invalidParams({ message: `Refused as MetaMask would: ${typedIssue}`, data: { metamaskCheck: "typedData" } });
      const chainId = typedData.domain?.chainId;
      if (chainId !== undefined && chainId !== null) {
        const active = await chainIdOf(options.rpcUrl);
        if (BigInt(chainId as string | number | bigint) !== BigInt(active)) {
          throw rpcErrors.invalidParams({
            message: `Provided chainId "${String(chainId)}" must match the active chainId "${BigInt(active)}"`,
          });
        }
      }
      const approved = await approve(method);
      requireAccount(address, accountOf(approved));
      return accountOf(approved).signTypedData(typedData);
    }

    case "wallet_switchEthereumChain": {
      const target = normalizeChainId((list[0] as { chainId?: unknown } | undefined)?.chainId);
      if (target === (await chainIdOf(options.rpcUrl))) return null;
      const added = await readKey<AddedChains>(STORAGE_KEYS.addedChains, {});
      const chain = added[target];
      if (!chain) {
        throw new JsonRpcError(
          4902,
          `Unrecognized chain ID "${target}". Try adding the chain using wallet_addEthereumChain first.`,
        );
      }
      await approve(method);
      await applyOptions({ rpcUrl: chain.rpcUrl });
      return null;
    }
    case "wallet_addEthereumChain": {
      const spec = (list[0] ?? {}) as { chainId?: unknown; rpcUrls?: unknown; chainName?: unknown };
      const target = normalizeChainId(spec.chainId);
      if (target === (await chainIdOf(options.rpcUrl))) return null;
      const rpcUrl = Array.isArray(spec.rpcUrls) ? spec.rpcUrls[0] : undefined;
      if (typeof rpcUrl !== "string" || !/^https?:\/\//.test(rpcUrl)) {
        throw rpcErrors.invalidParams({ message: "Expected an array with at least one valid string HTTPS url 'rpcUrls'" });
      }
      await approve(method);
      chainIds.delete(rpcUrl);
      const actual = await chainIdOf(rpcUrl);
      if (actual !== target) {
        throw rpcErrors.invalidParams({
          message: `Chain ID returned by RPC URL ${rpcUrl} does not match ${target}`,
          data: { chainId: actual },
        });
      }
      await serialized(async () => {
        const added = await readKey<AddedChains>(STORAGE_KEYS.addedChains, {});
        added[target] = { rpcUrl, ...(typeof spec.chainName === "string" ? { chainName: spec.chainName } : {}) };
        await chrome.storage.local.set({ [STORAGE_KEYS.addedChains]: added });
      });
      // MetaMask then offers to switch to the added chain; the test user accepts.
      await applyOptions({ rpcUrl });
      return null;
    }

    // Signing methods MetaMask no longer offers, and subscriptions (HTTP node).
    case "eth_sign":
    case "eth_signTransaction":
    case "eth_signTypedData":
    case "eth_signTypedData_v1":
    case "eth_signTypedData_v3":
    case "eth_decrypt":
    case "eth_getEncryptionPublicKey":
    case "eth_subscribe":
    case "eth_unsubscribe":
      throw providerErrors.unsupportedMethod({ data: { method } });

    default:
      // Never let the node sign with its own unlocked accounts.
      if (method.startsWith("personal_") || method.startsWith("eth_sign")) {
        throw providerErrors.unsupportedMethod({ data: { method } });
      }
      return nodeRequest(options.rpcUrl, method, params);
  }
}

// ---------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------

interface TransactionParams {
  from?: string;
  to?: string | null;
  value?: string;
  data?: string;
  input?: string;
  gas?: string;
  gasLimit?: string;
  gasPrice?: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  nonce?: string;
}

let sendQueue: Promise<unknown> = Promise.resolve();
/** One send at a time, so nonces taken from the node never collide. */
function enqueueSend<T>(task: () => Promise<T>): Promise<T> {
  const run = sendQueue.then(task, task);
  sendQueue = run.catch(() => undefined);
  return run;
}

function quantity(value: unknown, name: string): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^0x[0-9a-fA-F]*$/.test(value)) return value === "0x" ? 0n : BigInt(value);
  throw rpcErrors.invalidParams({ message: `Invalid transaction ${name}: ${JSON.stringify(value)}` });
}

async function sendTransaction(options: WalletOptions, tx: TransactionParams): Promise<Hex> {
  const account = accountOf(options);
  const chainId = Number(BigInt(await chainIdOf(options.rpcUrl)));
  const client = createWalletClient({ account, transport: http(options.rpcUrl, { retryCount: 0 }) });
  const data = tx.data ?? tx.input;
  if (data !== undefined && !isHex(data)) throw rpcErrors.invalidParams({ message: "Invalid transaction data" });
  const nonce = quantity(tx.nonce, "nonce");
  const fees =
    tx.gasPrice !== undefined
      ? { gasPrice: quantity(tx.gasPrice, "gasPrice") }
      : {
          maxFeePerGas: quantity(tx.maxFeePerGas, "maxFeePerGas"),
          maxPriorityFeePerGas: quantity(tx.maxPriorityFeePerGas, "maxPriorityFeePerGas"),
        };
  const request = {
    account,
    chain: null,
    chainId,
    to: tx.to ? getAddress(tx.to) : undefined,
    value: quantity(tx.value, "value"),
    data: data as Hex | undefined,
    gas: quantity(tx.gas ?? tx.gasLimit, "gas"),
    nonce: nonce === undefined ? undefined : Number(nonce),
    ...fees,
  };
  // viem fills the rest from the node (nonce from eth_getTransactionCount
  // "pending", eth_estimateGas, fee data), signs locally and sends
  // eth_sendRawTransaction.
  return client.sendTransaction(request as Parameters<typeof client.sendTransaction>[0]);
}

// ---------------------------------------------------------------------------
// Typed data (EIP-712, eth_signTypedData_v4 JSON as sent by dapps)
// ---------------------------------------------------------------------------

type TypeFields = { name: string; type: string }[];

function parseTypedData(raw: unknown): TypedDataDefinition {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch {
      throw rpcErrors.invalidParams({ message: "eth_signTypedData_v4: data is not valid JSON" });
    }
  }
  const data = value as { types?: Record<string, TypeFields>; primaryType?: string; domain?: Record<string, unknown>; message?: Record<string, unknown> };
  if (!data || typeof data !== "object" || !data.types || typeof data.primaryType !== "string" || !data.message) {
    throw rpcErrors.invalidParams({ message: "eth_signTypedData_v4: expected { types, primaryType, domain, message }" });
  }
  const types = data.types;
  const domainFields: TypeFields =
    types.EIP712Domain ??
    Object.keys(data.domain ?? {}).map((name) => ({
      name,
      type: name === "chainId" ? "uint256" : name === "verifyingContract" ? "address" : name === "salt" ? "bytes32" : "string",
    }));
  return {
    types,
    primaryType: data.primaryType,
    domain: normalizeStruct(data.domain ?? {}, domainFields, types),
    message: normalizeStruct(data.message, types[data.primaryType] ?? [], types),
  } as unknown as TypedDataDefinition;
}

/** JSON gives numbers as strings/numbers; viem wants bigint for (u)intN. */
function normalizeValue(value: unknown, type: string, types: Record<string, TypeFields>): unknown {
  const array = /^(.*)\[(\d*)\]$/.exec(type);
  if (array) return Array.isArray(value) ? value.map((item) => normalizeValue(item, array[1]!, types)) : value;
  if (/^u?int\d*$/.test(type) && (typeof value === "string" || typeof value === "number")) return BigInt(value);
  const struct = types[type];
  if (struct && value && typeof value === "object") return normalizeStruct(value as Record<string, unknown>, struct, types);
  return value;
}

function normalizeStruct(
  value: Record<string, unknown>,
  fields: TypeFields,
  types: Record<string, TypeFields>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const field of fields) {
    if (field.name in out) out[field.name] = normalizeValue(out[field.name], field.type, types);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Keeps EIP-1193/JSON-RPC errors as they are; maps viem and other errors to the node's code or -32603. */
function toRpcError(error: unknown): JsonRpcError<Json> {
  if (error instanceof JsonRpcError) return error as JsonRpcError<Json>;
  let cause: unknown = error;
  while (cause && typeof cause === "object") {
    const { code, message, details, shortMessage } = cause as {
      code?: unknown;
      message?: unknown;
      details?: unknown;
      shortMessage?: unknown;
    };
    if (typeof code === "number" && Number.isInteger(code) && code !== 0) {
      const text = [details, shortMessage, message].find((part) => typeof part === "string" && part) as string | undefined;
      return new JsonRpcError(code, text ?? "Internal JSON-RPC error.");
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
  return rpcErrors.internal({ message });
}
