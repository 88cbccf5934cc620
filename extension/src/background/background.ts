// Wires the background's services and controllers over one messenger, routes the UI's validated
// requests to them, and composes the view pushed to every open page. index.ts binds it to chrome.*.
import type { Address } from "viem";
import { humanError, toHumanError, UserFacingError, walletErrors, type HumanError } from "../lib/errors.ts";
import { renewFile } from "./controllers/renewal.ts";
import { stepOf } from "../lib/flow.ts";
import type { PortMessage, Request, View, WalletView } from "../lib/messages.ts";
import { BatchController } from "./controllers/batch.ts";
import { CreditsController } from "./controllers/credits.ts";
import { ComputeController } from "./controllers/compute.ts";
import { createComputeChain, type ComputeChain } from "./services/computeChain.ts";
import { OrdersController } from "./controllers/orders.ts";
import { SettingsController } from "./controllers/settings.ts";
import { VaultController } from "./controllers/vault.ts";
import { WatchController, type Notifier } from "./controllers/watch.ts";
import { createChain, type Chain } from "./services/chain.ts";
import { ProviderSessions } from "./services/providerSessions.ts";
import { registerVaultDb } from "./services/vaultDb.ts";
import { revealedChunks } from "./services/revealedChunks.ts";
import { WalletConnection } from "./services/wallet.ts";
import type { KeyValueStore } from "./store.ts";
import { createBackgroundMessenger, type BackgroundMessenger } from "./types.ts";
import type { Vault } from "../lib/vault/db.ts";
import { createShareLink, messageHex } from "./controllers/shareLink.ts";

/** Requests whose failure belongs to the order or session on screen (shown in the popup too). */
export const flowRequests = new Set<Request["type"]>([
  "wallet.connect",
  "wallet.switchChain",
  "provider.connect",
  "auth.signIn",
  "registration.request",
  "registration.check",
  "order.quote",
  "order.checkBalance",
  "order.pay",
  "order.submitOwnershipProof",
]);

export type PortLike = {
  postMessage(message: PortMessage): void;
  onDisconnect: { addListener(cb: () => void): void };
  /** A page names its upload lease here ({type: "lease", leaseId}); it is released when the port goes. */
  onMessage?: { addListener(cb: (message: unknown) => void): void };
};

export type BackgroundDeps = {
  store: KeyValueStore;
  hasHostPermission: (origin: string) => Promise<boolean>;
  siweOrigin: () => { domain: string };
  openApp: (hash: string) => Promise<void>;
  openVault?: () => Promise<Vault>;
  /** The watchtower's notifications and wake-up alarm (chrome.notifications/alarms in index.ts). */
  notifier?: Notifier;
  scheduleWatch?: (when: number) => Promise<void> | void;
  /** Tests pass their own wallet and chain. */
  wallet?: WalletConnection;
  chain?: Chain;
  computeChain?: ComputeChain;
};

export function createBackground(deps: BackgroundDeps) {
  const messenger: BackgroundMessenger = createBackgroundMessenger();
  const ports = new Set<PortLike>();
  let busy: string | null = null;
  let lastWalletStatus: WalletView["status"] = "unknown";

  const settings = new SettingsController({ messenger, store: deps.store });
  const wallet = deps.wallet ?? new WalletConnection(settings.state.walletExtensionId, (view) => messenger.publish("wallet:changed", view));
  const chain = deps.chain ?? createChain(wallet);
  registerVaultDb({ messenger, ...(deps.openVault ? { open: deps.openVault } : {}) });
  const sessions = new ProviderSessions({ messenger, store: deps.store, wallet, chain, hasHostPermission: deps.hasHostPermission, siweOrigin: deps.siweOrigin });
  const orders = new OrdersController({ messenger, store: deps.store, chain });
  const batches = new BatchController({ messenger, store: deps.store, orders, chain });
  const vault = new VaultController({ messenger, store: deps.store, chain, walletChainId: () => wallet.chainId() });
  const credits = new CreditsController({ messenger, chain, account: () => wallet.account() });
  const compute = new ComputeController({
    messenger,
    chain: deps.computeChain ?? createComputeChain({ client: chain.client, request: (args) => wallet.request(args) }),
    account: () => wallet.account(),
  });
  messenger.registerAction("chain:revealedChunks", (contract, fileRoot) => revealedChunks({ client: chain.client, contract, fileRoot }));
  const watch = new WatchController({
    messenger,
    store: deps.store,
    notifier: deps.notifier ?? { show: () => undefined, clear: () => undefined, badge: () => undefined },
    schedule: deps.scheduleWatch ?? (() => undefined),
    enforce: (key, kind) => withBusy("Confirm in your wallet (sent by the watchtower)…", () => vault.penalty(key, kind)),
  });

  messenger.registerAction("busy:run", async (label, work) => {
    busy = label;
    messenger.publish("busy:changed", busy);
    try {
      return await work();
    } finally {
      if (busy === label) busy = null;
      messenger.publish("busy:changed", busy);
    }
  });
  const withBusy = <T>(label: string, work: () => Promise<T>): Promise<T> => messenger.call("busy:run", label, work) as Promise<T>;

  const ready = (async () => {
    const s = await settings.load();
    wallet.setWalletId(s.walletExtensionId);
    const legacy = await sessions.load();
    await orders.load(legacy);
    await batches.load();
    void vault.load();
    void compute.load();
  })();

  function view(): View {
    const current = orders.currentId();
    const entry = current ? (orders.get(current) ?? null) : null;
    const flow = orders.compose(entry);
    const info = flow.provider?.info;
    const w = wallet.view;
    return {
      flow,
      currentOrderId: entry?.id ?? null,
      orders: orders.list().map((e) => orders.summary(e)),
      batches: batches.list(),
      step: stepOf(flow),
      next: orders.nextText(entry),
      wallet: w,
      chainOk: info && w.chainId !== null ? w.chainId === info.chainId : null,
      contract: sessions.contractView(),
      busy,
      settings: settings.state,
      credits: credits.state,
      vault: vault.state,
      compute: compute.state,
      now: Date.now(),
    };
  }

  // One push per turn, whatever the number of events in it.
  let scheduled = false;
  function broadcast(): void {
    if (ports.size === 0 || scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      const message: PortMessage = { type: "view", view: view() };
      for (const port of ports) {
        try {
          port.postMessage(message);
        } catch {
          ports.delete(port);
        }
      }
    });
  }
  for (const event of ["settings:changed", "session:changed", "orders:changed", "vault:changed", "credits:changed", "busy:changed", "compute:changed"] as const) {
    messenger.subscribe(event, broadcast);
  }
  messenger.subscribe("settings:changed", (s) => {
    wallet.setWalletId(s.walletExtensionId);
    wallet.refresh().catch(() => undefined);
  });
  messenger.subscribe("wallet:changed", (w) => {
    const was = lastWalletStatus;
    lastWalletStatus = w.status;
    // A working connection dropped (the wallet's MV3 worker was stopped): while a page is open,
    // reconnect once, quietly, instead of showing "Wallet not found" until the person clicks.
    if (w.status === "missing" && (was === "ready" || was === "locked") && ports.size > 0) {
      setTimeout(() => wallet.refresh().catch(() => undefined), 250);
    }
    if (w.status === "ready" && w.account) void sessions.accountChanged(w.account as Address);
    broadcast();
  });

  function resume(): void {
    void ready.then(() => {
      sessions.resume();
      orders.resume();
      void vault.resume();
      void compute.resume();
      void watch.tick();
    });
  }

  async function handle(request: Request): Promise<unknown> {
    await ready;
    switch (request.type) {
      case "view.get":
        return view();
      case "app.open":
        await deps.openApp(request.hash);
        return null;
      case "settings.set":
        return settings.set(request);
      case "wallet.connect":
        return withBusy("Connecting your wallet…", async () => {
          await wallet.connect();
          await sessions.dismissError();
          await orders.dismissError();
          return wallet.view;
        });
      case "wallet.switchChain":
        return withBusy("Switching network in your wallet…", async () => {
          const { info } = sessions.provider();
          await wallet.switchChain(info.chainId, {
            chainName: info.chainId === 31337 ? "Pekanu local chain" : `Chain ${info.chainId}`,
            rpcUrls: info.chainId === 31337 ? ["http://127.0.0.1:8545"] : [],
          });
          await sessions.dismissError();
          await orders.dismissError();
          sessions.readContract().catch(() => undefined);
          return wallet.view;
        });
      case "provider.connect":
        return withBusy("Reading the provider's details…", async () => {
          await sessions.connect(request.url);
          orders.resume();
          return view();
        });
      case "provider.forget":
        await sessions.forget();
        return null;
      case "auth.signIn":
        return withBusy("Waiting for your signature in the wallet…", async () => {
          await sessions.signIn();
          orders.resume();
        });
      case "registration.request":
        return withBusy("Asking the provider to register you…", () => sessions.requestRegistration(request.inviteCode));
      case "registration.check":
        return withBusy("Checking your registration…", () => sessions.checkRegistration());
      case "order.fileCommitted":
        return orders.addFile(request.file as never, request.storageDays);
      case "order.select":
        await orders.select(request.orderId);
        return null;
      case "order.setStorageDays":
        await orders.setStorageDays(request.storageDays, request.orderId);
        return null;
      case "order.quote":
        return withBusy("Asking the provider for a price…", () => orders.quote(request.orderId));
      case "order.checkBalance":
        return withBusy("Checking your balance…", () => orders.checkBalance(request.orderId));
      case "order.pay":
        return withBusy("Confirm the payment in your wallet…", () => orders.pay(request.orderId));
      case "order.refresh":
        resume();
        return null;
      case "order.uploadTarget":
        return orders.uploadTarget(request.leaseId, request.orderId);
      case "order.fileEncryption":
        return orders.fileEncryption(request.orderId);
      case "order.uploadStarted":
        await orders.uploadStarted(request.leaseId, request.total, request.orderId);
        return null;
      case "order.uploadProgress":
        await orders.uploadProgress(request.leaseId, request.sent, request.total, request.orderId);
        return null;
      case "order.uploadInterrupted":
        await orders.uploadInterrupted(request.leaseId, request.reason, request.orderId);
        return null;
      case "order.uploadFinished":
        await orders.uploadFinished(request.leaseId, request.body, request.orderId);
        return view();
      case "order.submitOwnershipProof":
        return withBusy("Sending the proof that you have the file…", async () => {
          await orders.submitOwnershipProof(request.leaseId, request.proofs, request.orderId);
          return view();
        });
      case "batch.add":
        return batches.add(request.files as never, request.storageDays);
      case "batch.quote":
        return withBusy("Asking the provider for the prices…", () => batches.quote(request.batchId));
      case "batch.checkBalance":
        return batches.checkBalance(request.batchId);
      case "batch.pay":
        return withBusy("Confirm the payment for all the files in your wallet…", () => batches.pay(request.batchId));
      case "batch.cancel":
        return batches.cancel(request.batchId, request.orderId);
      case "order.clear":
        await orders.clear(request.orderId);
        return null;
      case "error.dismiss":
        await orders.dismissError();
        await sessions.dismissError();
        return null;
      case "vault.list":
        return vault.list(request.query, request.offset, request.limit);
      case "vault.get":
        return vault.get(request.key);
      case "vault.reverify":
        return vault.reverify(request.key);
      case "vault.renew": {
        const record = await vault.get(request.key);
        if (!record) throw new UserFacingError(humanError("NotInVault", "Not in your files", "This file is not in your list any more.", "none"));
        return withBusy("Asking the provider for a new price…", () =>
          renewFile({
            record,
            storageDays: settings.state.defaultStorageDays,
            deps: { providerOrigin: () => messenger.call("session:get").provider?.origin ?? null, addFile: (f, d) => orders.addFile(f, d), quote: (id) => orders.quote(id) },
          }),
        );
      }
      case "vault.audit":
        return vault.audit(request.key);
      case "vault.refreshChain":
        return vault.refreshChain(request.key);
      case "vault.downloadTarget":
        return vault.downloadTarget(request.key);
      case "vault.export":
        return withBusy(request.passphrase !== undefined ? "Protecting the export with your passphrase…" : "Exporting…", () => vault.export({ passphrase: request.passphrase, includeKeys: request.includeKeys }));
      case "vault.import":
        return withBusy("Checking and importing receipts…", () => vault.import(request.json, request.passphrase));
      case "vault.shareLink": {
        const record = await vault.get(request.key);
        if (!record) throw new UserFacingError(humanError("NotInVault", "Not in your files", "This file is not in your list any more.", "none"));
        return withBusy("Sign the share permission in your wallet…", async () =>
          createShareLink({
            record,
            account: await wallet.account(),
            signMessage: (message, account) => wallet.request<`0x${string}`>({ method: "personal_sign", params: [messageHex(message), account] }),
          }),
        );
      }
      case "penalty.dispute":
        return withBusy("Confirm the dispute in your wallet…", () => vault.penalty(request.key, "disputeDelivery"));
      case "penalty.challenge":
        return withBusy("Confirm the check on chain in your wallet…", () => vault.penalty(request.key, "challengeStorage"));
      case "penalty.claim":
        return withBusy("Confirm the claim in your wallet…", () => vault.penalty(request.key, "claimPenalty"));
      case "credits.read":
        return credits.read();
      case "credits.withdraw":
        return withBusy("Confirm the withdrawal in your wallet…", () => credits.withdraw());
      case "compute.info":
        return withBusy("Reading the provider's computing offer…", () => compute.readInfo());
      case "compute.quote":
        return withBusy("Asking the provider for a price…", () => compute.quote(request));
      case "compute.checkBalance":
        return withBusy("Checking your balance…", () => compute.checkBalance(request.key));
      case "compute.pay":
        return withBusy("Confirm the payment in your wallet…", () => compute.pay(request.key));
      case "compute.refresh":
        return compute.refresh(request.key);
      case "compute.readChain":
        return compute.readChain(request.key);
      case "compute.disputeDelivery":
        return withBusy("Confirm the request for your money back in your wallet…", () => compute.disputeDelivery(request.key));
      case "compute.challengeResult":
        return withBusy("Confirm the challenge in your wallet…", () => compute.challengeResult(request.key));
      case "compute.claimPenalty":
        return withBusy("Confirm the claim in your wallet…", () => compute.claimPenalty(request.key));
      case "compute.targets":
        return compute.targets(request.key);
      case "compute.recordCheck": {
        const { key, verified, errorLog2, ms, wrong } = request;
        return compute.recordCheck(key, { verified, errorLog2, ms, ...(wrong ? { wrong } : {}) });
      }
      case "compute.proveFraud":
        return withBusy("Confirm the report of the wrong result in your wallet…", () => compute.proveFraud(request.key, request.item as never));
      case "compute.credits":
        return compute.readCredits();
      case "compute.withdraw":
        return withBusy("Confirm the withdrawal in your wallet…", () => compute.withdraw());
    }
  }

  /** A failure during a request: recorded with the order (or session) on screen, and returned. */
  async function failRequest(request: Request, err: unknown): Promise<HumanError> {
    const walletId = settings.state.walletExtensionId;
    const human = toHumanError(err, { walletId });
    if (human.code === "WalletMissing") human.message = walletErrors.missing(walletId).message;
    if (!flowRequests.has(request.type)) return human;
    const id = "orderId" in request && request.orderId ? request.orderId : orders.currentId();
    const orderScoped = request.type.startsWith("order.") && id && orders.get(id);
    if (orderScoped) await orders.fail(id!, human).catch(() => undefined);
    else await sessions.fail(human).catch(() => undefined);
    return human;
  }

  function addPort(port: PortLike): void {
    ports.add(port);
    let leaseId: string | null = null;
    port.onMessage?.addListener((message) => {
      const m = message as { type?: unknown; leaseId?: unknown } | null;
      if (m?.type === "lease" && typeof m.leaseId === "string" && m.leaseId.length >= 8 && m.leaseId.length <= 64) leaseId = m.leaseId;
    });
    port.onDisconnect.addListener(() => {
      ports.delete(port);
      if (leaseId) orders.releaseLeases(leaseId);
    });
    void ready.then(() => {
      try {
        port.postMessage({ type: "view", view: view() });
      } catch {
        ports.delete(port);
      }
      // Someone is looking: refresh what the wallet says, quietly.
      wallet.refresh().catch(() => undefined);
    });
  }

  return { messenger, settings, sessions, orders, batches, vault, credits, compute, watch, wallet, chain, ready, view, handle, failRequest, addPort, resume };
}

export type Background = ReturnType<typeof createBackground>;

export const malformedRequest = (detail: string): HumanError =>
  humanError("BadMessage", "Internal error", "The extension sent a malformed request.", "none", detail.slice(0, 300));
