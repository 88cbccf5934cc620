// The background's engine: owns the flow state (persisted after every event), the wallet
// connection, chain reads, the provider API session and the receipts vault; answers the UI's
// typed requests and pushes the view to every open UI port. Work that needs no person (waiting
// for a tx receipt, polling the provider for confirmations, verifying σ) resumes after a service
// worker restart from the persisted state (`resumeAction`), and on a periodic alarm.
import { isServerContractCode, orderStateName, type Quote } from "@pekanu/protocol";
import { quoteMismatch } from "../lib/quoteMismatch.ts";
import { createSiweMessage } from "viem/siwe";
import type { Address, Hex } from "viem";
import { checkBalance, FALLBACK_PAY_GAS } from "../lib/balance.ts";
import { verifyAuditAnswer, randomChunkIndex } from "../lib/commitment.ts";
import {
  flowErrors,
  humanError,
  providerErrors,
  toHumanError,
  UserFacingError,
  walletErrors,
  type HumanError,
} from "../lib/errors.ts";
import {
  deserializeFlow,
  initialFlowState,
  nextActionText,
  reduceFlow,
  resumeAction,
  serializeFlow,
  stepOf,
  type FlowEvent,
  type FlowState,
  type ProviderInfo,
} from "../lib/flow.ts";
import { formatEth, toMillis } from "../lib/format.ts";
import type {
  AuditAnswer,
  ContractView,
  DownloadTarget,
  ImportAnswer,
  PortMessage,
  Request,
  UploadTarget,
  View,
  VaultListAnswer,
} from "../lib/messages.ts";
import { createProviderApi, normalizeBaseUrl, parseReceiptResponse, type ProviderApi } from "../lib/providerApi.ts";
import { defaultSettings, type Settings } from "../lib/settings.ts";
import { openVault, type Vault } from "../lib/vault/db.ts";
import { exportVault, verifyImport } from "../lib/vault/exchange.ts";
import { recordKey, searchTextOf, type PenaltyAction, type VaultRecord } from "../lib/vault/schema.ts";
import { checkSignature, quoteFromJson, quoteToJson, type SignedSubject } from "../lib/vault/verify.ts";
import { createChain, type Chain } from "./chain.ts";
import { WalletConnection } from "./wallet.ts";

const FLOW_KEY = "flow";
const SETTINGS_KEY = "settings";
const CONTRACT_KEY = "contract";
/** Transactions sent for vault records and not yet mined: followed after a restart without scanning the vault. */
const PENDING_KEY = "pendingTx";
type PendingTx = { key: string; txHash: Hex; chainId: number; kind: "payment" | "action" };
const POLL_INTERVAL_MS = 3_000;
const POLL_LIMIT_MS = 10 * 60_000;

type Port = chrome.runtime.Port;

export class Engine {
  private state: FlowState = initialFlowState;
  private settings: Settings = defaultSettings();
  private contract: ContractView | null = null;
  private credits: View["credits"] = null;
  private busy: string | null = null;
  private vaultVersion = 0;
  private vaultCount = 0;
  private readonly ports = new Set<Port>();
  private readonly running = new Set<string>();
  private persistQueue: Promise<void> = Promise.resolve();
  private vaultPromise: Promise<Vault> | null = null;
  readonly wallet: WalletConnection;
  readonly chain: Chain;
  private ready: Promise<void>;

  constructor() {
    this.wallet = new WalletConnection(this.settings.walletExtensionId, (view) => this.onWalletChange(view));
    this.chain = createChain(this.wallet);
    this.ready = this.load();
  }

  // ───────────────────────── state, persistence, view ─────────────────────────

  private async load(): Promise<void> {
    const stored = await chrome.storage.local.get([FLOW_KEY, SETTINGS_KEY, CONTRACT_KEY]);
    this.settings = { ...defaultSettings(), ...((stored[SETTINGS_KEY] as Partial<Settings> | undefined) ?? {}) };
    this.wallet.setWalletId(this.settings.walletExtensionId);
    this.state = deserializeFlow(stored[FLOW_KEY] as string | undefined);
    this.contract = (stored[CONTRACT_KEY] as ContractView | undefined) ?? null;
    this.vault()
      .then((v) => v.count())
      .then((count) => {
        this.vaultCount = count;
        this.broadcast();
      })
      .catch(() => undefined);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  vault(): Promise<Vault> {
    this.vaultPromise ??= openVault();
    return this.vaultPromise;
  }

  private async dispatch(event: FlowEvent): Promise<void> {
    const next = reduceFlow(this.state, event);
    if (next === this.state) return;
    this.state = { ...next, updatedAt: Date.now() };
    const json = serializeFlow(this.state);
    this.persistQueue = this.persistQueue.then(() => chrome.storage.local.set({ [FLOW_KEY]: json })).catch(() => undefined);
    await this.persistQueue;
    this.broadcast();
  }

  private async fail(error: HumanError): Promise<void> {
    await this.dispatch({ type: "failed", error });
  }

  view(): View {
    const info = this.state.provider?.info;
    const wallet = this.wallet.view;
    return {
      flow: this.state,
      step: stepOf(this.state),
      next: nextActionText(this.state, Date.now()),
      wallet,
      chainOk: info && wallet.chainId !== null ? wallet.chainId === info.chainId : null,
      contract: this.contract && info && this.contract.address.toLowerCase() === info.contract.address.toLowerCase() ? this.contract : null,
      busy: this.busy,
      settings: this.settings,
      credits: this.credits,
      vault: { count: this.vaultCount, version: this.vaultVersion },
      now: Date.now(),
    };
  }

  private broadcast(): void {
    if (this.ports.size === 0) return;
    const message: PortMessage = { type: "view", view: this.view() };
    for (const port of this.ports) {
      try {
        port.postMessage(message);
      } catch {
        this.ports.delete(port);
      }
    }
  }

  addPort(port: Port): void {
    this.ports.add(port);
    port.onDisconnect.addListener(() => this.ports.delete(port));
    void this.ready.then(() => {
      port.postMessage({ type: "view", view: this.view() } satisfies PortMessage);
      // Someone is looking: refresh what the wallet says, quietly.
      this.wallet.refresh().catch(() => undefined);
    });
  }

  private lastWalletStatus: View["wallet"]["status"] = "unknown";

  private onWalletChange(view: View["wallet"]): void {
    const was = this.lastWalletStatus;
    this.lastWalletStatus = view.status;
    // A working connection dropped: the wallet's service worker was stopped (MV3 stops idle
    // workers) or restarted. While a page is open, reconnect once, quietly, instead of showing
    // "Wallet not found" until the person clicks something. A failed reconnect leaves "missing"
    // (it does not retry: was is then "connecting").
    if (view.status === "missing" && (was === "ready" || was === "locked") && this.ports.size > 0) {
      setTimeout(() => this.wallet.refresh().catch(() => undefined), 250);
    }
    const session = this.state.session;
    if (session && view.status === "ready" && view.account && view.account.toLowerCase() !== session.address.toLowerCase()) {
      void this.dispatch({ type: "accountChanged", address: view.account });
    }
    this.broadcast();
  }

  private async withBusy<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.busy = label;
    this.broadcast();
    try {
      return await work();
    } finally {
      if (this.busy === label) this.busy = null;
      this.broadcast();
    }
  }

  private vaultChanged(count?: number): void {
    this.vaultVersion++;
    if (count !== undefined) this.vaultCount = count;
    this.broadcast();
  }

  // ───────────────────────────── helpers ─────────────────────────────

  private provider(): NonNullable<FlowState["provider"]> {
    const provider = this.state.provider;
    if (!provider) throw new UserFacingError(humanError("NoProvider", "No provider", "Connect a storage provider first.", "reconnect"));
    return provider;
  }

  private api(withToken = true): ProviderApi {
    const provider = this.provider();
    const session = this.state.session;
    const token = withToken && session && session.expiresAt > Date.now() ? session.token : null;
    return createProviderApi({ baseUrl: provider.url, token });
  }

  private requireSession(): NonNullable<FlowState["session"]> {
    const session = this.state.session;
    if (!session || session.expiresAt <= Date.now()) {
      throw new UserFacingError(humanError("SignInNeeded", "Sign-in needed", "Sign in to the provider with your wallet first (your session expired or you switched accounts).", "signIn"));
    }
    return session;
  }

  /** The wallet must be on `chainId` before we read or write the contract through it. */
  private async requireChain(chainId: number): Promise<void> {
    let actual: number | null;
    try {
      actual = await this.wallet.chainId();
    } catch (err) {
      throw new UserFacingError(toHumanError(err));
    }
    if (actual !== chainId) throw new UserFacingError(walletErrors.wrongChain(chainId, actual));
  }

  private async requireAccount(expected: Address): Promise<void> {
    const account = await this.wallet.account();
    if (account.toLowerCase() !== expected.toLowerCase()) throw new UserFacingError(walletErrors.wrongAccount(expected, account));
  }

  private orderQuote(): { quote: Quote; signature: Hex; info: ProviderInfo } {
    const q = this.state.order?.quote;
    if (!q) throw new UserFacingError(humanError("NoQuote", "No quote", "Ask the provider for a quote first.", "none"));
    return { quote: quoteFromJson(q.quote), signature: q.signature, info: this.provider().info };
  }

  /** contract.signer() and params(), read on chain, remembered for the view. */
  private async readContract(): Promise<ContractView> {
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    // The provider names the contract; only the chain can say it is really a ServerContract.
    if (!isServerContractCode(await this.chain.code(info.contract.address))) {
      throw new UserFacingError(
        humanError(
          "NotServerContract",
          "Not a Pekanu contract",
          `The provider advertises ${info.contract.address} on chain ${info.chainId}, but the code there is not the Pekanu ServerContract. Do not pay this provider.`,
          "none",
        ),
      );
    }
    const [signer, params] = await Promise.all([this.chain.signer(info.contract.address), this.chain.params(info.contract.address)]);
    this.contract = {
      chainId: info.chainId,
      address: info.contract.address,
      signer,
      signerMatchesInfo: signer.toLowerCase() === info.signer.toLowerCase(),
      params: {
        settleDelay: params.settleDelay.toString(),
        responseWindow: params.responseWindow.toString(),
        challengeCooldown: params.challengeCooldown.toString(),
        challengeBond: params.challengeBond.toString(),
      },
      readAt: Date.now(),
    };
    await chrome.storage.local.set({ [CONTRACT_KEY]: this.contract });
    this.broadcast();
    return this.contract;
  }

  /** Runs background work once at a time per key; failures land in the flow's error. */
  private task(key: string, work: () => Promise<void>): void {
    if (this.running.has(key)) return;
    this.running.add(key);
    work()
      .catch((err) => this.fail(toHumanError(err, { walletId: this.settings.walletExtensionId })))
      .finally(() => this.running.delete(key));
  }

  // ───────────────────────────── requests ─────────────────────────────

  async handle(request: Request): Promise<unknown> {
    await this.ready;
    switch (request.type) {
      case "view.get":
        return this.view();
      case "settings.set": {
        this.settings = {
          ...this.settings,
          ...(request.walletExtensionId ? { walletExtensionId: request.walletExtensionId } : {}),
          ...(request.defaultStorageDays ? { defaultStorageDays: request.defaultStorageDays } : {}),
        };
        await chrome.storage.local.set({ [SETTINGS_KEY]: this.settings });
        this.wallet.setWalletId(this.settings.walletExtensionId);
        this.wallet.refresh().catch(() => undefined);
        this.broadcast();
        return this.settings;
      }
      case "wallet.connect":
        return this.withBusy("Connecting your wallet…", async () => {
          await this.wallet.connect();
          await this.dispatch({ type: "errorDismissed" });
          return this.wallet.view;
        });
      case "wallet.switchChain":
        return this.withBusy("Switching network in your wallet…", async () => {
          const { info } = this.provider();
          await this.wallet.switchChain(info.chainId, {
            chainName: info.chainId === 31337 ? "Pekanu local chain" : `Chain ${info.chainId}`,
            rpcUrls: info.chainId === 31337 ? ["http://127.0.0.1:8545"] : [],
          });
          await this.dispatch({ type: "errorDismissed" });
          this.readContract().catch(() => undefined);
          return this.wallet.view;
        });
      case "provider.connect":
        return this.withBusy("Reading the provider's details…", () => this.connectProvider(request.url));
      case "provider.forget":
        await this.dispatch({ type: "providerForgotten" });
        this.contract = null;
        return null;
      case "auth.signIn":
        return this.withBusy("Waiting for your signature in the wallet…", () => this.signIn());
      case "registration.request":
        return this.withBusy("Asking the provider to register you…", () => this.requestRegistration(request.inviteCode));
      case "registration.check":
        return this.withBusy("Checking your registration on chain…", () => this.checkRegistration());
      case "order.fileCommitted": {
        const { info } = this.provider();
        if (request.file.size > info.pricing.maxFileSize) {
          throw new UserFacingError(humanError("FileTooLarge", "File too large", `This provider accepts files up to ${info.pricing.maxFileSize} bytes.`, "none"));
        }
        await this.dispatch({ type: "fileCommitted", file: request.file as never, storageDays: request.storageDays });
        return null;
      }
      case "order.setStorageDays":
        await this.dispatch({ type: "storageDaysChanged", storageDays: request.storageDays });
        return null;
      case "order.quote":
        return this.withBusy("Asking for a signed quote…", () => this.requestQuote());
      case "order.checkBalance":
        return this.withBusy("Checking your balance…", () => this.checkBalanceNow());
      case "order.pay":
        return this.withBusy("Confirm the payment in your wallet…", () => this.pay());
      case "order.refresh":
        this.resume();
        return null;
      case "order.uploadTarget":
        return this.uploadTarget();
      case "order.uploadStarted":
        await this.dispatch({ type: "uploadStarted", total: request.total });
        return null;
      case "order.uploadProgress":
        // Progress is shown by the page itself; persisted coarsely (every 5 %) to survive a restart.
        if (this.state.order?.upload) {
          const prev = this.state.order.upload.sent;
          if (request.sent === request.total || request.sent - prev >= request.total / 20) {
            await this.dispatch({ type: "uploadProgress", sent: request.sent, total: request.total });
          }
        }
        return null;
      case "order.uploadInterrupted":
        await this.dispatch({ type: "uploadInterrupted", reason: request.reason });
        await this.fail(flowErrors.uploadInterrupted(request.reason));
        return null;
      case "order.uploadFinished":
        return this.acceptReceipt(parseReceiptResponse(request.body));
      case "order.submitOwnershipProof":
        return this.withBusy("Sending the proof of ownership…", async () => {
          const orderId = this.state.order?.quote?.quote.orderId;
          if (!orderId) throw new UserFacingError(humanError("NoOrder", "No order", "There is no paid order to prove.", "none"));
          await this.dispatch({ type: "uploadStarted", total: request.proofs.length });
          try {
            const answer = await this.api().ownershipProof(orderId, request.proofs);
            return this.acceptReceipt(answer);
          } catch (err) {
            await this.dispatch({ type: "uploadInterrupted", reason: toHumanError(err).message });
            throw err;
          }
        });
      case "order.clear":
        await this.dispatch({ type: "orderCleared" });
        return null;
      case "error.dismiss":
        await this.dispatch({ type: "errorDismissed" });
        return null;
      case "vault.list":
        return this.vaultList(request.query, request.offset, request.limit);
      case "vault.get":
        return (await (await this.vault()).get(request.key)) ?? null;
      case "vault.reverify":
        return this.reverify(request.key);
      case "vault.audit":
        return this.audit(request.key);
      case "vault.refreshChain":
        return this.refreshRecordChain(request.key);
      case "vault.downloadTarget":
        return this.downloadTarget(request.key);
      case "vault.export":
        return { json: exportVault(await (await this.vault()).all()) };
      case "vault.import":
        return this.withBusy("Verifying and importing receipts…", () => this.importVault(request.json));
      case "penalty.dispute":
        return this.withBusy("Confirm the dispute in your wallet…", () => this.penalty(request.key, "disputeDelivery"));
      case "penalty.challenge":
        return this.withBusy("Confirm the challenge in your wallet…", () => this.penalty(request.key, "challengeStorage"));
      case "penalty.claim":
        return this.withBusy("Confirm the claim in your wallet…", () => this.penalty(request.key, "claimPenalty"));
      case "credits.read":
        return this.readCredits();
      case "credits.withdraw":
        return this.withBusy("Confirm the withdrawal in your wallet…", () => this.withdraw());
    }
  }

  // ───────────────────────── connect, sign in, register ─────────────────────────

  private async connectProvider(url: string): Promise<View> {
    let normalized: { baseUrl: string; origin: string };
    try {
      normalized = normalizeBaseUrl(url);
    } catch (err) {
      throw new UserFacingError(humanError("BadUrl", "Not a URL", err instanceof Error ? err.message : "Enter the provider's address, e.g. https://storage.example.com", "none"));
    }
    const granted = await chrome.permissions.contains({ origins: [`${normalized.origin}/*`] });
    if (!granted) throw new UserFacingError(providerErrors.permissionDenied(normalized.origin));
    const info = await createProviderApi({ baseUrl: normalized.baseUrl }).info();
    const { abi: _abi, ...rest } = info;
    await this.dispatch({ type: "providerConnected", url: normalized.baseUrl, origin: normalized.origin, info: rest as ProviderInfo, at: Date.now() });
    // Wallet and contract checks do not block the connection; their outcome shows in the view.
    try {
      await this.wallet.refresh();
      if (this.wallet.view.chainId === info.chainId) await this.readContract();
    } catch {
      // shown as wallet status / chain mismatch
    }
    this.resume();
    return this.view();
  }

  private async signIn(): Promise<void> {
    const provider = this.provider();
    const address = await this.wallet.account();
    const api = this.api(false);
    const nonce = await api.nonce();
    const url = new URL(provider.url);
    const now = new Date();
    const message = createSiweMessage({
      address,
      chainId: provider.info.chainId,
      domain: url.host,
      nonce: nonce.nonce,
      uri: provider.url,
      version: "1",
      issuedAt: now,
      expirationTime: new Date(Math.max(now.getTime() + 60_000, toMillis(nonce.expiresAt))),
      statement: "Sign in to this Pekanu storage provider. This signature costs nothing and sends no transaction.",
    });
    const hexMessage = `0x${Array.from(new TextEncoder().encode(message), (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const signature = await this.wallet.request<Hex>({ method: "personal_sign", params: [hexMessage, address] });
    const session = await api.session(message, signature);
    await this.dispatch({ type: "signedIn", token: session.token, address: session.address, expiresAt: toMillis(session.expiresAt) });
  }

  private async requestRegistration(inviteCode?: string): Promise<void> {
    const session = this.requireSession();
    const { info } = this.provider();
    const answer = await this.api().register(inviteCode);
    if (answer.contractAddress.toLowerCase() !== info.contract.address.toLowerCase() || answer.chainId !== info.chainId) {
      throw new UserFacingError(
        humanError("RegistrationMismatch", "Registration on another contract", `The provider registered you on ${answer.contractAddress} (chain ${answer.chainId}), not on the contract it advertised. Do not pay this provider.`, "none"),
      );
    }
    await this.dispatch({ type: "registrationRequested", address: session.address, txHash: answer.txHash, alreadyRegistered: answer.alreadyRegistered });
    this.task("registration", () => this.checkRegistration());
  }

  /** Seed step 7: the registration tx receipt, its ClientRegistered event, and isRegistered. */
  private async checkRegistration(): Promise<void> {
    const reg = this.state.registration;
    if (!reg) return;
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    const contract = info.contract.address;
    let txHash = reg.txHash;
    let blockNumber: number | null = null;
    let eventSeen = false;
    if (txHash) {
      const receipt = await this.chain.waitForReceipt(txHash, 3 * 60_000);
      if (receipt.status !== "success") {
        await this.dispatch({ type: "registrationFailed", reason: "The registration transaction reverted.", at: Date.now() });
        return;
      }
      blockNumber = Number(receipt.blockNumber);
      eventSeen = receipt.to?.toLowerCase() === contract.toLowerCase() && this.chain.registrationEventIn(receipt, contract, reg.address);
    } else {
      const found = await this.chain.findRegistration(contract, reg.address, info.contract.deployBlock).catch(() => null);
      if (found) {
        txHash = found.txHash;
        blockNumber = found.blockNumber;
        eventSeen = true;
      }
    }
    const isRegistered = await this.chain.isRegistered(contract, reg.address);
    await this.dispatch({ type: "registrationChecked", txHash, blockNumber, eventSeen, isRegistered, at: Date.now() });
    if (!isRegistered) {
      await this.fail(humanError("NotRegisteredYet", "Not registered yet", "The contract does not list your address as registered yet. If the provider's transaction is still pending, check again in a moment.", "retry"));
    }
  }

  // ───────────────────────────── quote, balance, pay ─────────────────────────────

  private async requestQuote(): Promise<void> {
    const session = this.requireSession();
    const order = this.state.order;
    if (!order) throw new UserFacingError(humanError("NoFile", "No file", "Choose a file first.", "none"));
    const { info } = this.provider();
    // The wallet was asked to pay the current quote: if it did, follow that order, not a new quote.
    if (order.quote && order.payRequestedAt) {
      await this.requireChain(info.chainId);
      if (await this.adoptExistingPayment()) return;
    }
    const answer = await this.api().quote({ fileRoot: order.file.fileRoot, size: order.file.size, storageDays: order.storageDays });
    const quote = answer.quote as Quote;
    const nowSec = BigInt(Math.floor(Date.now() / 1000));
    const mismatch = quoteMismatch({
      quote,
      account: session.address,
      fileRoot: order.file.fileRoot,
      size: order.file.size,
      storageDays: order.storageDays,
      fineMultiplier: info.pricing.fineMultiplier,
      nowSec,
    });
    if (mismatch) throw new UserFacingError(flowErrors.quoteMismatch(mismatch));
    // The quote's signature is checked against the signer the contract names, not /v1/info's.
    const contract = await this.readContract();
    const subject: SignedSubject = { kind: "quote", chainId: info.chainId, contract: info.contract.address, quote: quoteToJson(quote), signature: answer.signature };
    const check = checkSignature(subject, contract.signer);
    if (!check.ok) throw new UserFacingError(flowErrors.quoteSignature(check.problem));
    await this.dispatch({
      type: "quoted",
      quote: quoteToJson(quote),
      signature: answer.signature,
      deduplicated: answer.deduplicated,
      ownershipIndices: answer.ownershipChallenge?.indices ?? null,
      signer: contract.signer,
      at: Date.now(),
    });
    await this.checkBalanceNow().catch((err) => this.fail(toHumanError(err)));
  }

  /** Seed step 8: balance ≥ price + estimateContractGas(pay) × maxFeePerGas. */
  private async checkBalanceNow(): Promise<void> {
    const { quote, signature, info } = this.orderQuote();
    await this.requireChain(info.chainId);
    const [balance, maxFeePerGas] = await Promise.all([this.chain.balance(quote.client), this.chain.maxFeePerGas()]);
    let gasEstimate = FALLBACK_PAY_GAS;
    let gasFallback = false;
    try {
      gasEstimate = await this.chain.estimatePayGas(info.contract.address, quote, signature);
    } catch (err) {
      const human = toHumanError(err);
      // An unaffordable price makes estimation fail too: fall back to a typical figure and show the shortfall.
      if (human.code === "InsufficientFunds" || balance < quote.price) gasFallback = true;
      else this.chain.explainRevert(err);
    }
    const result = checkBalance({ balance, price: quote.price, gasEstimate, maxFeePerGas });
    await this.dispatch({
      type: "balanceChecked",
      balance: {
        balance: balance.toString(),
        price: quote.price.toString(),
        gasEstimate: gasEstimate.toString(),
        maxFeePerGas: maxFeePerGas.toString(),
        gasCost: result.gasCost.toString(),
        required: result.required.toString(),
        shortfall: result.shortfall.toString(),
        sufficient: result.sufficient,
        gasFallback,
        checkedAt: Date.now(),
      },
    });
    if (!result.sufficient) await this.fail(flowErrors.insufficientFunds(formatEth(result.shortfall)));
  }

  private async pay(): Promise<void> {
    const { quote, signature, info } = this.orderQuote();
    await this.requireChain(info.chainId);
    // A payment the wallet sent for this quote while no worker waited for its hash (the service
    // worker was stopped during the approval): follow that one, never ask to pay twice.
    if (await this.adoptExistingPayment()) return;
    if (Number(quote.expiresAt) * 1000 <= Date.now() + 15_000) throw new UserFacingError(flowErrors.quoteExpired());
    await this.requireAccount(quote.client);
    await this.checkBalanceNow();
    if (!this.state.order?.balance?.sufficient) return;
    await this.dispatch({ type: "paymentRequested", at: Date.now() });
    let txHash: Hex;
    try {
      txHash = await this.chain.send({ contract: info.contract.address, from: quote.client, functionName: "pay", args: [quote, signature], value: quote.price });
    } catch (err) {
      // Rejected, refused by the simulation, …: nothing was sent. Only a wallet that went away
      // leaves the outcome open: then keep looking for the payment on chain.
      if (toHumanError(err).code === "WalletMissing") this.resume();
      else await this.dispatch({ type: "paymentRequestEnded" });
      throw err;
    }
    await this.dispatch({ type: "paymentSent", txHash, at: Date.now() });
    // The paid order goes to the vault right away: it is never lost, σ or not.
    const saved = await this.saveOrderToVault();
    if (saved) await this.trackPending({ key: saved.key, txHash, chainId: saved.chainId, kind: "payment" });
    this.task(`pay:${txHash}`, () => this.waitForPayment(txHash));
  }

  /** The current quote is already paid on chain (by this client): record that payment in the flow. */
  private async adoptExistingPayment(): Promise<boolean> {
    const order = this.state.order;
    if (!order?.quote || order.payment) return false;
    const { info } = this.provider();
    const quote = order.quote.quote;
    const onChain = await this.chain.orderOf(info.contract.address, quote.orderId);
    if (orderStateName(onChain.state) === "None") return false;
    const paid = await this.chain.findPayment(info.contract.address, quote.orderId, info.contract.deployBlock);
    if (!paid || paid.client.toLowerCase() !== quote.client.toLowerCase() || paid.fileRoot.toLowerCase() !== quote.fileRoot.toLowerCase() || paid.price !== BigInt(quote.price)) {
      return false;
    }
    if (this.state.order?.payment || this.state.order?.quote?.quote.orderId !== quote.orderId) return false; // raced with pay()
    await this.dispatch({ type: "paymentSent", txHash: paid.txHash, at: Date.now() });
    const saved = await this.saveOrderToVault();
    if (saved) await this.trackPending({ key: saved.key, txHash: paid.txHash, chainId: saved.chainId, kind: "payment" });
    this.task(`pay:${paid.txHash}`, () => this.waitForPayment(paid.txHash));
    return true;
  }

  /**
   * After a restart during the wallet's approval: the wallet may send the payment any time until
   * it gives up (10 min, like our interactive timeout) or the quote expires. Looks on chain until
   * then, or until the person does something else with the order.
   */
  private async findPayment(orderId: Hex): Promise<void> {
    const stillWaiting = () => {
      const order = this.state.order;
      return Boolean(order?.payRequestedAt && !order.payment && order.quote?.quote.orderId === orderId);
    };
    while (stillWaiting()) {
      const { info } = this.provider();
      await this.requireChain(info.chainId);
      if ((await this.adoptExistingPayment()) || !stillWaiting()) return;
      const order = this.state.order!;
      const expired = Number(order.quote!.quote.expiresAt) * 1000 <= Date.now();
      if (expired || Date.now() - (order.payRequestedAt ?? 0) > POLL_LIMIT_MS) {
        if (stillWaiting()) await this.dispatch({ type: "paymentRequestEnded" });
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  }

  private async saveOrderToVault(): Promise<VaultRecord | null> {
    const state = this.state;
    const order = state.order;
    const provider = state.provider;
    if (!order?.quote || !order.payment || !provider) return null;
    const { info } = provider;
    const q = order.quote;
    const receipt = order.receipt;
    const verified = receipt?.status === "verified";
    const record: VaultRecord = {
      key: recordKey(info.chainId, info.contract.address, q.quote.orderId),
      chainId: info.chainId,
      contract: info.contract.address,
      orderId: q.quote.orderId,
      client: q.quote.client,
      fileRoot: q.quote.fileRoot,
      size: Number(q.quote.size),
      quote: q.quote,
      quoteSignature: q.signature,
      link: receipt && receipt.status !== "received" ? receipt.link : null,
      signature: receipt && receipt.status !== "received" ? receipt.signature : null,
      signer: verified ? receipt.signer : q.signer,
      verification: verified
        ? { status: "verified", by: "chain", at: receipt.verifiedAt, note: "σ verified against contract.signer() when received" }
        : receipt?.status === "invalid"
          ? { status: "invalid", by: "chain", at: Date.now(), note: receipt.problem ?? "σ invalid" }
          : { status: "verified", by: "chain", at: q.receivedAt, note: "quote signature verified against contract.signer(); no σ yet" },
      fileName: order.file.name,
      mimeType: order.file.mimeType,
      providerUrl: provider.url,
      deduplicated: q.deduplicated,
      payTxHash: order.payment.txHash,
      payBlock: order.payment.blockNumber,
      paymentStatus: order.payment.status,
      createdAt: order.payment.sentAt,
      updatedAt: Date.now(),
      chain: null,
      actions: [],
      audits: [],
      searchText: "",
    };
    record.searchText = searchTextOf(record);
    const vault = await this.vault();
    const existing = await vault.get(record.key);
    let stored: VaultRecord;
    if (existing) {
      // The flow's newer facts win over what the vault had from earlier in this same order.
      stored = (await vault.update(record.key, (r) => ({
        ...r,
        payBlock: record.payBlock ?? r.payBlock,
        paymentStatus: record.paymentStatus,
        ...(record.signature && (r.signature === null || r.verification.status !== "verified" || verified)
          ? { link: record.link, signature: record.signature, signer: record.signer, verification: record.verification }
          : {}),
        updatedAt: Date.now(),
      })))!;
    } else {
      stored = await vault.save(record);
    }
    this.vaultChanged(await vault.count());
    return stored;
  }

  private async waitForPayment(txHash: Hex): Promise<void> {
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    const receipt = await this.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
    await this.dispatch({ type: "paymentMined", blockNumber: Number(receipt.blockNumber), success: receipt.status === "success" });
    await this.saveOrderToVault();
    await this.untrackPending(txHash);
    if (receipt.status !== "success") {
      await this.fail(humanError("PaymentReverted", "Payment failed", "The payment transaction was mined but reverted: nothing was paid. Ask for a new quote and try again.", "newQuote"));
      return;
    }
    this.task("poll", () => this.pollOrder());
  }

  /** Seed steps 10–11 (and σ after an upload cut off by a closed page): GET /v1/orders/{id}. */
  private async pollOrder(): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < POLL_LIMIT_MS) {
      const order = this.state.order;
      const orderId = order?.quote?.quote.orderId;
      if (!order?.payment || !orderId || order.receipt) return;
      if (!this.state.session || this.state.session.expiresAt <= Date.now()) {
        await this.fail(humanError("SignInNeeded", "Sign-in needed", "Your session with the provider expired. Sign in again to follow your order.", "signIn"));
        return;
      }
      const answer = await this.api().order(orderId);
      if (answer.payment) {
        await this.dispatch({
          type: "providerPaymentStatus",
          confirmations: answer.payment.confirmations,
          requiredConfirmations: answer.payment.requiredConfirmations,
          confirmed: answer.payment.confirmed,
        });
      }
      if (answer.receipt) {
        await this.acceptReceipt({ orderId, link: answer.receipt.link, signature: answer.receipt.signature });
        return;
      }
      // Confirmed: the page owns the upload from here (this pass also looked for an existing σ).
      if (this.state.order?.payment?.providerConfirmed) return;
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  }

  // ───────────────────────────── upload, σ ─────────────────────────────

  private uploadTarget(): UploadTarget {
    const order = this.state.order;
    const session = this.requireSession();
    if (!order?.quote || !order.payment?.providerConfirmed) {
      throw new UserFacingError(humanError("NotConfirmed", "Payment not confirmed yet", "Wait until the provider confirms your payment.", "none"));
    }
    return {
      url: this.api().contentUrl(order.quote.quote.orderId),
      token: session.token,
      fileRoot: order.file.fileRoot,
      size: order.file.size,
      mode: order.quote.deduplicated ? "ownershipProof" : "upload",
      indices: order.quote.ownershipIndices,
    };
  }

  private async acceptReceipt(answer: { orderId: Hex; link: string; signature: Hex }): Promise<View> {
    const orderId = this.state.order?.quote?.quote.orderId;
    if (!orderId || answer.orderId.toLowerCase() !== orderId.toLowerCase()) {
      throw new UserFacingError(providerErrors.invalidAnswer("the upload", "σ is for another order"));
    }
    await this.dispatch({ type: "receiptReceived", link: answer.link, signature: answer.signature });
    await this.verifyFlowReceipt();
    return this.view();
  }

  /** Seed step 13: σ and L checked with protocol's verifyReceipt against contract.signer(). */
  private async verifyFlowReceipt(): Promise<void> {
    const order = this.state.order;
    const receipt = order?.receipt;
    if (!order?.quote || !receipt || receipt.status !== "received") return;
    const { info } = this.provider();
    const subject: SignedSubject = {
      kind: "receipt",
      chainId: info.chainId,
      contract: info.contract.address,
      quote: order.quote.quote,
      link: receipt.link,
      signature: receipt.signature,
    };
    const signer = (await this.readContract()).signer; // the chain's word, never the provider's claim
    let check = checkSignature(subject, signer);
    if (!check.ok && check.recovered) {
      // σ by a rotated-out signer stays valid for orders paid before the rotation.
      const retiredAt = Number(await this.chain.signerRetiredAt(info.contract.address, check.recovered));
      const { paidAt } = await this.chain.orderOf(info.contract.address, order.quote.quote.orderId);
      if (retiredAt > 0 && paidAt < retiredAt) check = { ok: true, signer: check.recovered, retired: true };
    }
    if (check.ok) {
      await this.dispatch({ type: "receiptVerified", signer: check.signer, at: Date.now() });
      await this.saveOrderToVault();
      await this.dispatch({ type: "receiptSaved" });
    } else {
      await this.dispatch({ type: "receiptRejected", problem: check.problem, recovered: check.recovered });
      await this.saveOrderToVault();
      await this.fail(flowErrors.receiptInvalid(check.problem));
    }
  }

  // ───────────────────────────── resume ─────────────────────────────

  /** Picks up whatever needs no person: after a restart, on an alarm, or when a UI asks. */
  resume(): void {
    void this.ready.then(() => {
      const action = resumeAction(this.state);
      switch (action.kind) {
        case "checkRegistration":
          this.task("registration", () => this.checkRegistration());
          break;
        case "findPayment":
          this.task("findPayment", () => this.findPayment(action.orderId));
          break;
        case "waitForPayment":
          this.task(`pay:${action.txHash}`, () => this.waitForPayment(action.txHash));
          break;
        case "pollOrder":
          this.task("poll", () => this.pollOrder());
          break;
        case "verifyReceipt":
          this.task("verify", () => this.verifyFlowReceipt());
          break;
        case "saveReceipt":
          this.task("save", async () => {
            await this.saveOrderToVault();
            await this.dispatch({ type: "receiptSaved" });
          });
          break;
        case "none":
          break;
      }
      this.task("vault-pending", () => this.resumeVaultTransactions());
    });
  }

  /** Penalty transactions and payments sent before a restart are followed to their receipt. */
  private async resumeVaultTransactions(): Promise<void> {
    const stored = await chrome.storage.local.get(PENDING_KEY);
    const pending = (stored[PENDING_KEY] as PendingTx[] | undefined) ?? [];
    for (const tx of pending) {
      if (tx.kind === "action") this.task(`action:${tx.txHash}`, () => this.followAction(tx.key, tx.txHash, tx.chainId));
      else this.task(`vaultpay:${tx.txHash}`, () => this.followVaultPayment(tx));
    }
  }

  private pendingQueue: Promise<void> = Promise.resolve();

  /** Read-modify-write of the pending list, one at a time. */
  private editPending(change: (list: PendingTx[]) => PendingTx[]): Promise<void> {
    this.pendingQueue = this.pendingQueue
      .then(async () => {
        const stored = await chrome.storage.local.get(PENDING_KEY);
        await chrome.storage.local.set({ [PENDING_KEY]: change((stored[PENDING_KEY] as PendingTx[] | undefined) ?? []) });
      })
      .catch(() => undefined);
    return this.pendingQueue;
  }

  private trackPending(tx: PendingTx): Promise<void> {
    return this.editPending((list) => [...list.filter((p) => p.txHash !== tx.txHash), tx]);
  }

  private untrackPending(txHash: Hex): Promise<void> {
    return this.editPending((list) => list.filter((p) => p.txHash.toLowerCase() !== txHash.toLowerCase()));
  }

  /** A payment of an order that is no longer the flow's current one (e.g. the person moved on). */
  private async followVaultPayment(tx: PendingTx): Promise<void> {
    if (this.state.order?.payment?.txHash.toLowerCase() === tx.txHash.toLowerCase()) return; // the flow follows it
    await this.requireChain(tx.chainId);
    const receipt = await this.chain.waitForReceipt(tx.txHash, POLL_LIMIT_MS);
    const vault = await this.vault();
    await vault.update(tx.key, (r) => ({ ...r, paymentStatus: receipt.status === "success" ? "mined" : "reverted", payBlock: Number(receipt.blockNumber), updatedAt: Date.now() }));
    await this.untrackPending(tx.txHash);
    this.vaultChanged();
  }

  // ───────────────────────────── vault ─────────────────────────────

  private async vaultList(query?: string, offset?: number, limit?: number): Promise<VaultListAnswer> {
    const started = performance.now();
    const vault = await this.vault();
    const result = await vault.list({ query, offset, limit });
    // Someone is browsing the vault: prepare the search index meanwhile.
    if (!query) setTimeout(() => void vault.warm().catch(() => undefined), 0);
    return { ...result, ms: performance.now() - started };
  }

  private async recordOrThrow(key: string): Promise<VaultRecord> {
    const record = await (await this.vault()).get(key);
    if (!record) throw new UserFacingError(humanError("NotInVault", "Not in the vault", "This receipt is not in the vault any more.", "none"));
    return record;
  }

  private async reverify(key: string): Promise<VaultRecord> {
    const record = await this.recordOrThrow(key);
    let signer: Address | null = null;
    let by: "chain" | "recorded" = "chain";
    try {
      await this.requireChain(record.chainId);
      signer = await this.chain.signer(record.contract);
    } catch {
      signer = record.signer;
      by = "recorded";
    }
    if (!signer) throw new UserFacingError(humanError("CannotVerify", "Cannot verify now", "The chain is not reachable and no signer was recorded. Connect your wallet on the right network and retry.", "switchChain"));
    const subject: SignedSubject =
      record.signature && record.link
        ? { kind: "receipt", chainId: record.chainId, contract: record.contract, quote: record.quote, link: record.link, signature: record.signature }
        : { kind: "quote", chainId: record.chainId, contract: record.contract, quote: record.quote, signature: record.quoteSignature };
    let check = checkSignature(subject, signer);
    if (!check.ok && check.recovered && by === "chain") {
      const retiredAt = Number(await this.chain.signerRetiredAt(record.contract, check.recovered));
      const { paidAt } = await this.chain.orderOf(record.contract, record.orderId);
      if (retiredAt > 0 && paidAt < retiredAt) check = { ok: true, signer: check.recovered, retired: true };
    }
    // The quote signature too (σ does not cover price and fine).
    const quoteCheck = checkSignature({ kind: "quote", chainId: record.chainId, contract: record.contract, quote: record.quote, signature: record.quoteSignature }, signer);
    const ok = check.ok && (quoteCheck.ok || (check.ok && check.retired));
    const updated = await (await this.vault()).update(key, (r) => ({
      ...r,
      signer: check.ok ? check.signer : r.signer,
      verification: ok
        ? { status: by === "chain" ? "verified" : "verifiedOffline", by, at: Date.now(), ...(check.ok && check.retired ? { retiredSigner: true } : {}), note: by === "chain" ? "re-verified against contract.signer()" : "re-verified against the recorded signer (chain not reachable)" }
        : { status: "invalid", by, at: Date.now(), note: check.ok ? `quote signature: ${quoteCheck.ok ? "" : quoteCheck.problem}` : check.problem },
      updatedAt: Date.now(),
    }));
    this.vaultChanged();
    return updated!;
  }

  private tokenFor(link: string): string | null {
    const session = this.state.session;
    const provider = this.state.provider;
    if (!session || !provider || session.expiresAt <= Date.now()) return null;
    try {
      return new URL(link).origin === provider.origin ? session.token : null;
    } catch {
      return null;
    }
  }

  /** A free off-chain audit: a random chunk and its proof from L, checked against the committed root. */
  private async audit(key: string): Promise<AuditAnswer> {
    const record = await this.recordOrThrow(key);
    if (!record.link) throw new UserFacingError(humanError("NoLink", "Nothing to audit", "This order has no receipt σ / link L yet.", "none"));
    const index = randomChunkIndex(record.size);
    const token = this.tokenFor(record.link);
    let result: AuditAnswer;
    try {
      const api = createProviderApi({ baseUrl: new URL(record.link).origin, token });
      const answer = await api.audit(record.link, index);
      const ok =
        answer.index === index &&
        answer.fileRoot.toLowerCase() === record.fileRoot.toLowerCase() &&
        answer.size === BigInt(record.size) &&
        verifyAuditAnswer({ fileRoot: record.fileRoot, size: record.size, index, chunkBase64: answer.chunk, proof: answer.proof });
      result = ok ? { ok: true, index } : { ok: false, index, problem: "The chunk or its proof does not match the committed root." };
    } catch (err) {
      const human = toHumanError(err);
      if (human.action === "signIn" && !token) {
        throw new UserFacingError(humanError("SignInNeeded", "Sign-in needed", "Connect and sign in to this provider to audit its files.", "signIn"));
      }
      result = { ok: false, index, problem: human.message };
    }
    await (await this.vault()).update(key, (r) => ({ ...r, audits: [...r.audits, { at: Date.now(), index, ok: result.ok, ...(result.problem ? { problem: result.problem } : {}) }], updatedAt: Date.now() }));
    this.vaultChanged();
    return result;
  }

  private async downloadTarget(key: string): Promise<DownloadTarget> {
    const record = await this.recordOrThrow(key);
    if (!record.link) throw new UserFacingError(humanError("NoLink", "No link yet", "This order has no link L yet.", "none"));
    return { url: record.link, token: this.tokenFor(record.link), fileRoot: record.fileRoot, size: record.size, fileName: record.fileName || `${record.fileRoot}.bin` };
  }

  private async importVault(json: string): Promise<ImportAnswer> {
    const started = performance.now();
    let chainId: number | null = null;
    try {
      chainId = await this.wallet.chainId();
    } catch {
      chainId = null;
    }
    let report;
    try {
      report = await verifyImport(json, {
        onChainSigner: async (recordChainId, contract) => {
          if (chainId === null || chainId !== recordChainId) return null;
          return this.chain.signer(contract);
        },
        isRetiredSignerFor: async (_chainId, contract, recovered, orderId) => {
          const retiredAt = Number(await this.chain.signerRetiredAt(contract, recovered));
          const { paidAt } = await this.chain.orderOf(contract, orderId);
          return retiredAt > 0 && paidAt < retiredAt;
        },
      });
    } catch (err) {
      throw new UserFacingError(humanError("ImportFailed", "Cannot import", err instanceof Error ? err.message : String(err), "none"));
    }
    const vault = await this.vault();
    const savedAt = performance.now();
    const { added, merged } = await vault.saveMany(report.records);
    const saveMs = performance.now() - savedAt;
    this.vaultChanged(await vault.count());
    return {
      timings: { ...report.timings, saveMs },
      total: report.total,
      added,
      merged,
      verifiedOnChain: report.verifiedOnChain,
      verifiedOffline: report.verifiedOffline,
      refused: report.refused.slice(0, 200),
      ms: performance.now() - started,
    };
  }

  private async refreshRecordChain(key: string): Promise<VaultRecord> {
    const record = await this.recordOrThrow(key);
    await this.requireChain(record.chainId);
    const [order, pending, params, blockTime] = await Promise.all([
      this.chain.orderOf(record.contract, record.orderId),
      this.chain.pendingOf(record.contract, record.orderId),
      this.chain.params(record.contract),
      this.chain.latestBlockTime(),
    ]);
    const updated = await (await this.vault()).update(key, (r) => ({
      ...r,
      chain: {
        state: orderStateName(order.state),
        settled: order.settled,
        paidAt: order.paidAt,
        deadline: pending.deadline,
        lastChallengeAt: pending.lastChallengeAt,
        chunkIndex: pending.chunkIndex,
        bondHeld: pending.bondHeld.toString(),
        readAt: Date.now(),
        blockTime,
        params: {
          settleDelay: params.settleDelay.toString(),
          responseWindow: params.responseWindow.toString(),
          challengeCooldown: params.challengeCooldown.toString(),
          challengeBond: params.challengeBond.toString(),
        },
      },
      updatedAt: Date.now(),
    }));
    this.vaultChanged();
    return updated!;
  }

  // ───────────────────────────── penalties ─────────────────────────────

  private async penalty(key: string, kind: "disputeDelivery" | "challengeStorage" | "claimPenalty"): Promise<VaultRecord> {
    const record = await this.recordOrThrow(key);
    const quote = quoteFromJson(record.quote);
    await this.requireChain(record.chainId);
    await this.requireAccount(record.client);
    let args: readonly unknown[] = [quote];
    let value = 0n;
    if (kind === "challengeStorage") {
      if (!record.signature || !record.link) {
        throw new UserFacingError(humanError("NoReceipt", "No receipt σ", "A storage challenge needs the provider's receipt σ. Without σ, dispute the delivery instead.", "none"));
      }
      // Contract v2: the client names the chunk: the one its last failed audit found, else a random one.
      const failed = [...record.audits].reverse().find((a) => !a.ok);
      const chunkIndex = BigInt(failed ? failed.index : randomChunkIndex(record.size));
      args = [quote, record.link, record.signature, [chunkIndex]];
      value = (await this.chain.params(record.contract)).challengeBond;
    }
    const txHash = await this.chain.send({ contract: record.contract, from: record.client, functionName: kind, args, value });
    const action: PenaltyAction = { kind, txHash, at: Date.now(), status: "pending", ...(value > 0n ? { value: value.toString() } : {}) };
    const vault = await this.vault();
    const updated = await vault.update(key, (r) => ({ ...r, actions: [...r.actions, action], updatedAt: Date.now() }));
    await this.trackPending({ key, txHash, chainId: record.chainId, kind: "action" });
    this.vaultChanged();
    this.task(`action:${txHash}`, () => this.followAction(key, txHash, record.chainId));
    return updated!;
  }

  private async followAction(key: string, txHash: Hex, chainId: number): Promise<void> {
    await this.requireChain(chainId);
    const receipt = await this.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
    const vault = await this.vault();
    await vault.update(key, (r) => ({
      ...r,
      actions: r.actions.map((a) =>
        a.txHash.toLowerCase() === txHash.toLowerCase() ? { ...a, status: receipt.status === "success" ? "confirmed" : "failed", blockNumber: Number(receipt.blockNumber) } : a,
      ),
      updatedAt: Date.now(),
    }));
    await this.untrackPending(txHash);
    this.vaultChanged();
    await this.refreshRecordChain(key).catch(() => undefined);
    this.readCredits().catch(() => undefined);
  }

  private async readCredits(): Promise<View["credits"]> {
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    const account = await this.wallet.account();
    const amount = await this.chain.withdrawable(info.contract.address, account);
    this.credits = { amount: amount.toString(), readAt: Date.now() };
    this.broadcast();
    return this.credits;
  }

  private async withdraw(): Promise<Hex> {
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    const account = await this.wallet.account();
    const txHash = await this.chain.send({ contract: info.contract.address, from: account, functionName: "withdraw", args: [] });
    this.task(`withdraw:${txHash}`, async () => {
      await this.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
      await this.readCredits();
    });
    return txHash;
  }

  /** A failure during a request: recorded in the flow (so a reopened popup still shows it) and returned. */
  async failRequest(err: unknown): Promise<HumanError> {
    const human = toHumanError(err, { walletId: this.settings.walletExtensionId });
    if (human.code === "WalletMissing") {
      human.message = walletErrors.missing(this.settings.walletExtensionId).message;
    }
    await this.fail(human).catch(() => undefined);
    return human;
  }
}
