// The orders controller: many orders side by side, each its own persisted state machine (the
// client's pure reducer, lib/flow.ts, applied to that order with the provider session it belongs
// to). One worker per order and kind of work (TaskRunner), whatever the number of tabs; an upload
// is leased to one page at a time, so two tabs can never upload the same order.
import { orderStateName, type Quote } from "@pekanu/protocol";
import type { Hex } from "viem";
import { checkBalance, FALLBACK_PAY_GAS } from "../../lib/balance.ts";
import { flowErrors, humanError, providerErrors, toHumanError, UserFacingError, type HumanError } from "../../lib/errors.ts";
import {
  type FileMetaEncryption,
  initialFlowState,
  nextActionText,
  reduceFlow,
  resumeAction,
  stepOf,
  type FileMeta,
  type FlowEvent,
  type FlowState,
  type OrderFlow,
  type ProviderState,
} from "../../lib/flow.ts";
import { fileTooLarge } from "../../lib/fileTooLarge.ts";
import { formatEth } from "../../lib/format.ts";
import type { OwnershipProofInput, UploadTarget } from "../../lib/messages.ts";
import { createProviderApi, parseReceiptResponse, type ProviderApi } from "../../lib/providerApi.ts";
import { quoteMismatch } from "../../lib/quoteMismatch.ts";
import { recordKey, searchTextOf, type VaultRecord } from "../../lib/vault/schema.ts";
import { checkSignature, quoteFromJson, quoteToJson, type SignedSubject } from "../../lib/vault/verify.ts";
import type { Chain } from "../services/chain.ts";
import type { KeyValueStore } from "../store.ts";
import { POLL_INTERVAL_MS, POLL_LIMIT_MS, TaskRunner, type BackgroundMessenger } from "../types.ts";

export const ORDER_PREFIX = "order/";
export const CURRENT_ORDER_KEY = "orders.current";
/** A page that holds an upload must show signs of life (progress) this often, or another may take over. */
export const UPLOAD_LEASE_MS = 20_000;

export type OrderEntry = {
  /** Local id (the on-chain order id exists only once quoted). */
  id: string;
  /** The provider this order was made with (orders outlive a switch to another provider). */
  provider: ProviderState;
  flow: OrderFlow;
  error: HumanError | null;
  createdAt: number;
  updatedAt: number;
  /** The batch (files dropped or picked together, paid with one confirmation) this order belongs to. */
  batchId?: string;
};

/** One line per order for the files home (the rest is in the details view). */
export type OrderSummary = {
  id: string;
  fileName: string;
  /** Bytes stored at the provider (the ciphertext's size when encrypted). */
  size: number;
  /** The file's own size (= size when stored unencrypted). */
  plainSize: number;
  /** How the file is protected (its key stays in the background: `order.fileEncryption`). */
  protection: "private" | "convergent" | "none";
  fileRoot: Hex;
  step: ReturnType<typeof stepOf>;
  orderId: Hex | null;
  vaultKey: string | null;
  price: string | null;
  storageUntil: number | null;
  upload: { sent: number; total: number; status: string } | null;
  uploadingElsewhere: boolean;
  error: HumanError | null;
  createdAt: number;
  updatedAt: number;
  batchId: string | null;
  /** The wallet was asked to pay this order and has not answered yet. */
  payRequested: boolean;
};

export type OrdersDeps = {
  messenger: BackgroundMessenger;
  store: KeyValueStore;
  chain: Pick<Chain, "balance" | "maxFeePerGas" | "estimatePayGas" | "explainRevert" | "send" | "orderOf" | "findPayment" | "waitForReceipt" | "signerRetiredAt">;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  newId?: () => string;
  fetch?: typeof fetch;
};

export class OrdersController {
  private readonly entries = new Map<string, OrderEntry>();
  private current: string | null = null;
  private readonly leases = new Map<string, { leaseId: string; at: number }>();
  private readonly tasks: TaskRunner;
  private persistQueue: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly newId: () => string;

  constructor(private readonly deps: OrdersDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    this.tasks = new TaskRunner((key, err) => {
      const id = key.split(":")[0]!;
      return this.fail(id, toHumanError(err));
    });
    deps.messenger.registerAction("orders:isFollowingPayment", (txHash) =>
      [...this.entries.values()].some((e) => e.flow.payment?.txHash.toLowerCase() === txHash.toLowerCase()),
    );
    // Another account in the wallet: its unpaid quotes are not ours any more.
    deps.messenger.subscribe("session:changed", (slice) => {
      if (!slice.session) void this.dropUnpaidQuotes();
    });
  }

  // ───────────────────────── state ─────────────────────────

  async load(legacy: FlowState | null = null): Promise<void> {
    for (const [, entry] of await this.deps.store.entries<OrderEntry>(ORDER_PREFIX)) {
      if (entry?.id && entry.flow && entry.provider) this.entries.set(entry.id, entry);
    }
    this.current = (await this.deps.store.get<string>(CURRENT_ORDER_KEY)) ?? null;
    if (legacy?.order && legacy.provider) {
      // The state of the single-flow version becomes the first order.
      const entry: OrderEntry = { id: this.newId(), provider: legacy.provider, flow: legacy.order, error: legacy.error ?? null, createdAt: legacy.updatedAt || this.now(), updatedAt: this.now() };
      this.entries.set(entry.id, entry);
      await this.persist(entry);
      await this.setCurrent(entry.id);
    }
    if (this.current && !this.entries.has(this.current)) this.current = null;
  }

  get(id: string): OrderEntry | undefined {
    return this.entries.get(id);
  }

  currentId(): string | null {
    return this.current;
  }

  list(): OrderEntry[] {
    return [...this.entries.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The order as the client's reducer sees it: with the session of its provider. */
  compose(entry: OrderEntry | null): FlowState {
    const slice = this.deps.messenger.call("session:get");
    if (!entry) return { ...initialFlowState, ...slice, order: null };
    const sameProvider = slice.provider?.origin === entry.provider.origin && slice.provider.info.contract.address.toLowerCase() === entry.provider.info.contract.address.toLowerCase();
    return {
      version: 1,
      provider: entry.provider,
      session: sameProvider ? slice.session : null,
      registration: sameProvider ? slice.registration : null,
      order: entry.flow,
      error: entry.error ?? slice.error,
      updatedAt: entry.updatedAt,
    };
  }

  summary(entry: OrderEntry): OrderSummary {
    const flow = entry.flow;
    const q = flow.quote?.quote ?? null;
    const lease = this.leases.get(entry.id);
    return {
      id: entry.id,
      fileName: flow.file.name,
      size: flow.file.size,
      plainSize: flow.file.encryption?.plaintextSize ?? flow.file.size,
      protection: flow.file.encryption?.mode ?? "none",
      fileRoot: flow.file.fileRoot,
      step: stepOf(this.compose(entry)),
      orderId: q?.orderId ?? null,
      vaultKey: q && flow.payment ? recordKey(entry.provider.info.chainId, entry.provider.info.contract.address, q.orderId) : null,
      price: q?.price ?? null,
      storageUntil: q ? Number(q.storageUntil) * 1000 : null,
      upload: flow.upload ? { sent: flow.upload.sent, total: flow.upload.total, status: flow.upload.status } : null,
      uploadingElsewhere: Boolean(lease && this.now() - lease.at < UPLOAD_LEASE_MS),
      error: entry.error,
      createdAt: entry.createdAt,
      updatedAt: entry.updatedAt,
      batchId: entry.batchId ?? null,
      payRequested: Boolean(flow.payRequestedAt && !flow.payment),
    };
  }

  nextText(entry: OrderEntry | null): string {
    return nextActionText(this.compose(entry), this.now());
  }

  private persist(entry: OrderEntry): Promise<void> {
    const value = entry;
    this.persistQueue = this.persistQueue.then(() => this.deps.store.set(ORDER_PREFIX + entry.id, value)).catch(() => undefined);
    return this.persistQueue;
  }

  private async setCurrent(id: string | null): Promise<void> {
    this.current = id;
    await this.deps.store.set(CURRENT_ORDER_KEY, id);
  }

  private changed(): void {
    this.deps.messenger.publish("orders:changed", null);
  }

  /** Feeds one event to one order's state machine, persists it, tells the views. */
  async dispatch(id: string, event: FlowEvent): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    const composite = this.compose(entry);
    const next = reduceFlow(composite, event);
    if (next === composite) return;
    if (!next.order) return; // orders are removed with remove(), never by the reducer
    const updated: OrderEntry = { ...entry, flow: next.order, error: next.error === composite.error && entry.error === null ? null : next.error, updatedAt: this.now() };
    if (event.type === "failed") updated.error = event.error;
    if (event.type === "errorDismissed") updated.error = null;
    this.entries.set(id, updated);
    await this.persist(updated);
    this.changed();
  }

  async fail(id: string, error: HumanError): Promise<void> {
    if (!this.entries.has(id)) {
      await this.deps.messenger.call("session:fail", error);
      return;
    }
    await this.dispatch(id, { type: "failed", error });
  }

  private entry(id: string | undefined): OrderEntry {
    const key = id ?? this.current;
    const entry = key ? this.entries.get(key) : undefined;
    if (!entry) throw new UserFacingError(humanError("NoOrder", "No file chosen", "Choose a file to store first.", "none"));
    return entry;
  }

  /** Removes an order nobody paid or asked the wallet to pay (a batch's file taken out); false if it must stay. */
  async discard(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry || !this.disposable(entry)) return false;
    await this.remove(id);
    return true;
  }

  private async remove(id: string): Promise<void> {
    this.entries.delete(id);
    this.leases.delete(id);
    await this.deps.store.remove(ORDER_PREFIX + id);
    if (this.current === id) await this.setCurrent(null);
    this.changed();
  }

  /** An unpaid order that nobody asked the wallet to pay can go without a trace. */
  disposable(entry: OrderEntry): boolean {
    return !entry.flow.payment && !entry.flow.payRequestedAt;
  }

  // ───────────────────────── the UI's actions ─────────────────────────

  /**
   * A file's commitment was computed in a page: it becomes an order (the current one). With a
   * `batchId` it joins that batch instead and leaves the current order alone.
   */
  async addFile(file: FileMeta, storageDays: number, { batchId }: { batchId?: string } = {}): Promise<string> {
    const provider = this.deps.messenger.call("session:provider");
    if (file.size === 0) throw new UserFacingError(humanError("EmptyFile", "Empty file", `"${file.name}" is empty (0 bytes): there is nothing to store.`, "none"));
    // The provider's limit is on what it stores: the ciphertext when the file is encrypted.
    const tooLarge = fileTooLarge({
      maxFileSize: provider.info.pricing.maxFileSize,
      name: file.name,
      plainSize: file.encryption?.plaintextSize ?? file.size,
      storedSize: file.size,
      encryption: file.encryption,
    });
    if (tooLarge) throw new UserFacingError(tooLarge);
    // Choosing another file replaces a draft nobody paid for; paid orders go on by themselves.
    const current = !batchId && this.current ? this.entries.get(this.current) : undefined;
    if (current && this.disposable(current)) await this.remove(current.id);
    const id = this.newId();
    const now = this.now();
    const entry: OrderEntry = {
      id,
      provider,
      flow: { file, storageDays, quote: null, balance: null, payment: null, upload: null, receipt: null },
      error: null,
      createdAt: now,
      updatedAt: now,
      ...(batchId ? { batchId } : {}),
    };
    this.entries.set(id, entry);
    await this.persist(entry);
    if (!batchId) await this.setCurrent(id);
    this.changed();
    return id;
  }

  async select(id: string | null): Promise<void> {
    if (id !== null && !this.entries.has(id)) throw new UserFacingError(humanError("NoOrder", "Unknown file", "This file is not in the list any more.", "none"));
    await this.setCurrent(id);
    this.changed();
  }

  /** "Store another file": the current order leaves the screen (a paid one stays in the list). */
  async clear(id?: string): Promise<void> {
    const entry = id ? this.entries.get(id) : this.current ? this.entries.get(this.current) : undefined;
    if (entry && this.disposable(entry)) await this.remove(entry.id);
    if (!id || id === this.current) await this.setCurrent(null);
    this.changed();
  }

  async setStorageDays(storageDays: number, id?: string): Promise<void> {
    await this.dispatch(this.entry(id).id, { type: "storageDaysChanged", storageDays });
  }

  async dismissError(id?: string): Promise<void> {
    const entry = id ? this.entries.get(id) : this.current ? this.entries.get(this.current) : undefined;
    if (entry) await this.dispatch(entry.id, { type: "errorDismissed" });
  }

  private apiFor(entry: OrderEntry, withToken = true): ProviderApi {
    const slice = this.deps.messenger.call("session:get");
    const session = slice.session;
    const same = slice.provider?.origin === entry.provider.origin;
    const token = withToken && same && session && session.expiresAt > this.now() ? session.token : null;
    return createProviderApi({ baseUrl: entry.provider.url, token, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
  }

  private requireSessionFor(entry: OrderEntry) {
    const slice = this.deps.messenger.call("session:get");
    if (slice.provider?.origin !== entry.provider.origin) {
      throw new UserFacingError(humanError("OtherProvider", "Another provider", `This file is stored with ${entry.provider.url}. Connect to that provider to continue with it.`, "reconnect"));
    }
    return this.deps.messenger.call("session:requireSession");
  }

  /** Asks the order's provider for a signed price; then checks the balance (a batch checks it once for all). */
  async quote(id?: string, { balance = true }: { balance?: boolean } = {}): Promise<void> {
    const entry = this.entry(id);
    const session = this.requireSessionFor(entry);
    const order = entry.flow;
    const { info } = entry.provider;
    // The wallet was asked to pay the current quote: if it did, follow that order, not a new quote.
    if (order.quote && order.payRequestedAt) {
      await this.deps.messenger.call("session:requireChain", info.chainId);
      if (await this.adoptExistingPayment(entry.id)) return;
    }
    const answer = await this.apiFor(entry).quote({ fileRoot: order.file.fileRoot, size: order.file.size, storageDays: order.storageDays });
    const quote = answer.quote as Quote;
    const mismatch = quoteMismatch({
      quote,
      account: session.address,
      fileRoot: order.file.fileRoot,
      size: order.file.size,
      storageDays: order.storageDays,
      fineMultiplier: info.pricing.fineMultiplier,
      nowSec: BigInt(Math.floor(this.now() / 1000)),
    });
    if (mismatch) throw new UserFacingError(flowErrors.quoteMismatch(mismatch));
    // The quote's signature is checked against the signer the contract names, not /v1/info's.
    const contract = await this.deps.messenger.call("session:readContract");
    const subject: SignedSubject = { kind: "quote", chainId: info.chainId, contract: info.contract.address, quote: quoteToJson(quote), signature: answer.signature };
    const check = checkSignature(subject, contract.signer);
    if (!check.ok) throw new UserFacingError(flowErrors.quoteSignature(check.problem));
    await this.dispatch(entry.id, {
      type: "quoted",
      quote: quoteToJson(quote),
      signature: answer.signature,
      deduplicated: answer.deduplicated,
      ownershipIndices: answer.ownershipChallenge?.indices ?? null,
      signer: contract.signer,
      at: this.now(),
    });
    if (balance) await this.checkBalance(entry.id).catch((err) => this.fail(entry.id, toHumanError(err)));
  }

  orderQuote(entry: OrderEntry): { quote: Quote; signature: Hex } {
    const q = entry.flow.quote;
    if (!q) throw new UserFacingError(humanError("NoQuote", "No price yet", "Ask the provider for a price first.", "none"));
    return { quote: quoteFromJson(q.quote), signature: q.signature };
  }

  /** balance ≥ price + estimated gas × max fee per gas. */
  async checkBalance(id?: string): Promise<void> {
    const entry = this.entry(id);
    const { quote, signature } = this.orderQuote(entry);
    const { info } = entry.provider;
    const chain = this.deps.chain;
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const [balance, maxFeePerGas] = await Promise.all([chain.balance(quote.client), chain.maxFeePerGas()]);
    let gasEstimate = FALLBACK_PAY_GAS;
    let gasFallback = false;
    try {
      gasEstimate = await chain.estimatePayGas(info.contract.address, quote, signature);
    } catch (err) {
      const human = toHumanError(err);
      // An unaffordable price makes estimation fail too: fall back to a typical figure and show the shortfall.
      if (human.code === "InsufficientFunds" || balance < quote.price) gasFallback = true;
      else chain.explainRevert(err);
    }
    const result = checkBalance({ balance, price: quote.price, gasEstimate, maxFeePerGas });
    await this.dispatch(entry.id, {
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
        checkedAt: this.now(),
      },
    });
    if (!result.sufficient) await this.fail(entry.id, flowErrors.insufficientFunds(formatEth(result.shortfall)));
  }

  async pay(id?: string): Promise<void> {
    const entry = this.entry(id);
    const { quote, signature } = this.orderQuote(entry);
    const { info } = entry.provider;
    await this.deps.messenger.call("session:requireChain", info.chainId);
    // A payment the wallet sent for this quote while no worker waited for its hash: follow that one, never ask to pay twice.
    if (await this.adoptExistingPayment(entry.id)) return;
    if (Number(quote.expiresAt) * 1000 <= this.now() + 15_000) throw new UserFacingError(flowErrors.quoteExpired());
    await this.deps.messenger.call("session:requireAccount", quote.client);
    await this.checkBalance(entry.id);
    if (!this.entries.get(entry.id)?.flow.balance?.sufficient) return;
    await this.dispatch(entry.id, { type: "paymentRequested", at: this.now() });
    let txHash: Hex;
    try {
      txHash = await this.deps.chain.send({ contract: info.contract.address, from: quote.client, functionName: "pay", args: [quote, signature], value: quote.price });
    } catch (err) {
      // Rejected, refused by the simulation…: nothing was sent. Only a wallet that went away leaves
      // the outcome open: then keep looking for the payment on chain.
      if (toHumanError(err).code === "WalletMissing") this.resume();
      else await this.dispatch(entry.id, { type: "paymentRequestEnded" });
      throw err;
    }
    await this.paymentSent(entry.id, txHash);
  }

  /** The wallet sent the transaction paying this order (alone, or in a batch): follow it. */
  async paymentSent(id: string, txHash: Hex): Promise<void> {
    await this.dispatch(id, { type: "paymentSent", txHash, at: this.now() });
    // The paid order goes to the vault right away: it is never lost, σ or not.
    const saved = await this.saveToVault(id);
    if (saved) await this.deps.messenger.call("vault:trackPending", { key: saved.key, txHash, chainId: saved.chainId, kind: "payment" });
    this.tasks.run(`${id}:pay`, () => this.waitForPayment(id, txHash));
  }

  /** The order's quote is already paid on chain (by this client): record that payment. */
  async adoptExistingPayment(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    const order = entry?.flow;
    if (!entry || !order?.quote || order.payment) return false;
    const { info } = entry.provider;
    const quote = order.quote.quote;
    const onChain = await this.deps.chain.orderOf(info.contract.address, quote.orderId);
    if (orderStateName(onChain.state) === "None") return false;
    const paid = await this.deps.chain.findPayment(info.contract.address, quote.orderId, info.contract.deployBlock);
    if (!paid || paid.client.toLowerCase() !== quote.client.toLowerCase() || paid.fileRoot.toLowerCase() !== quote.fileRoot.toLowerCase() || paid.price !== BigInt(quote.price)) {
      return false;
    }
    const now = this.entries.get(id)?.flow;
    if (now?.payment || now?.quote?.quote.orderId !== quote.orderId) return false; // raced with pay()
    await this.paymentSent(id, paid.txHash);
    return true;
  }

  /** After a restart during the wallet's approval: look on chain until the wallet gives up or the quote expires. */
  private async findPayment(id: string, orderId: Hex): Promise<void> {
    const stillWaiting = () => {
      const order = this.entries.get(id)?.flow;
      return Boolean(order?.payRequestedAt && !order.payment && order.quote?.quote.orderId === orderId);
    };
    while (stillWaiting()) {
      const entry = this.entries.get(id)!;
      await this.deps.messenger.call("session:requireChain", entry.provider.info.chainId);
      if ((await this.adoptExistingPayment(id)) || !stillWaiting()) return;
      const order = this.entries.get(id)!.flow;
      const expired = Number(order.quote!.quote.expiresAt) * 1000 <= this.now();
      if (expired || this.now() - (order.payRequestedAt ?? 0) > POLL_LIMIT_MS) {
        if (stillWaiting()) await this.dispatch(id, { type: "paymentRequestEnded" });
        return;
      }
      await this.sleep(POLL_INTERVAL_MS);
    }
  }

  private async waitForPayment(id: string, txHash: Hex): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    await this.deps.messenger.call("session:requireChain", entry.provider.info.chainId);
    const receipt = await this.deps.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
    await this.dispatch(id, { type: "paymentMined", blockNumber: Number(receipt.blockNumber), success: receipt.status === "success" });
    await this.saveToVault(id);
    await this.deps.messenger.call("vault:untrackPending", txHash);
    if (receipt.status !== "success") {
      await this.fail(id, humanError("PaymentReverted", "Payment failed", "The payment was refused on chain: nothing was paid. Ask for a new price and try again.", "newQuote"));
      return;
    }
    this.tasks.run(`${id}:poll`, () => this.pollOrder(id));
  }

  /** The provider's view of the payment (confirmations), and σ if it already has it. */
  private async pollOrder(id: string): Promise<void> {
    const started = this.now();
    while (this.now() - started < POLL_LIMIT_MS) {
      const entry = this.entries.get(id);
      const order = entry?.flow;
      const orderId = order?.quote?.quote.orderId;
      if (!entry || !order?.payment || !orderId || order.receipt) return;
      const slice = this.deps.messenger.call("session:get");
      if (slice.provider?.origin !== entry.provider.origin || !slice.session || slice.session.expiresAt <= this.now()) {
        await this.fail(id, humanError("SignInNeeded", "Sign-in needed", "Your session with the provider expired. Sign in again to follow your file.", "signIn"));
        return;
      }
      const answer = await this.apiFor(entry).order(orderId);
      if (answer.payment) {
        await this.dispatch(id, {
          type: "providerPaymentStatus",
          confirmations: answer.payment.confirmations,
          requiredConfirmations: answer.payment.requiredConfirmations,
          confirmed: answer.payment.confirmed,
        });
      }
      if (answer.receipt) {
        await this.acceptReceipt(id, { orderId, link: answer.receipt.link, signature: answer.receipt.signature });
        return;
      }
      // Confirmed: the page owns the upload from here (this pass also looked for an existing σ).
      if (this.entries.get(id)?.flow.payment?.providerConfirmed) return;
      await this.sleep(POLL_INTERVAL_MS);
    }
  }

  // ───────────────────────── upload, σ ─────────────────────────

  /** Where and how to upload; leases the order's upload to one page (`leaseId`) at a time. */
  uploadTarget(leaseId: string, id?: string): UploadTarget & { id: string } {
    const entry = this.entry(id);
    const session = this.requireSessionFor(entry);
    const order = entry.flow;
    if (!order.quote || !order.payment?.providerConfirmed) {
      throw new UserFacingError(humanError("NotConfirmed", "Payment not confirmed yet", "Wait until the provider confirms your payment.", "none"));
    }
    if (order.receipt) throw new UserFacingError(humanError("AlreadyStored", "Already stored", "This file is already stored; nothing to upload.", "none"));
    this.takeLease(entry.id, leaseId);
    return {
      id: entry.id,
      url: this.apiFor(entry).contentUrl(order.quote.quote.orderId),
      token: session.token,
      fileRoot: order.file.fileRoot,
      size: order.file.size,
      mode: order.quote.deduplicated ? "ownershipProof" : "upload",
      indices: order.quote.ownershipIndices,
      encryption: order.file.encryption ?? null,
    };
  }

  /** The file's key and header, for a page that holds the plaintext File again (to check and encrypt it). */
  fileEncryption(id: string): FileMetaEncryption | null {
    return this.entry(id).flow.file.encryption ?? null;
  }

  private takeLease(id: string, leaseId: string): void {
    const lease = this.leases.get(id);
    if (lease && lease.leaseId !== leaseId && this.now() - lease.at < UPLOAD_LEASE_MS) {
      throw new UserFacingError(
        humanError("UploadElsewhere", "Uploading in another tab", "This file is already being uploaded from another Pekanu tab. Follow it there; this tab will show its progress.", "none"),
      );
    }
    this.leases.set(id, { leaseId, at: this.now() });
  }

  /** The page holding `leaseId` went away (its port closed): its uploads are nobody's now. */
  releaseLeases(leaseId: string): void {
    let released = false;
    for (const [id, lease] of this.leases) {
      if (lease.leaseId !== leaseId) continue;
      this.leases.delete(id);
      released = true;
    }
    if (released) this.changed();
  }

  private holdsLease(id: string, leaseId: string): boolean {
    const lease = this.leases.get(id);
    if (!lease) {
      // The service worker restarted mid-upload: the page that reports progress keeps its lease.
      this.leases.set(id, { leaseId, at: this.now() });
      return true;
    }
    if (lease.leaseId !== leaseId) return false;
    lease.at = this.now();
    return true;
  }

  async uploadStarted(leaseId: string, total: number, id?: string): Promise<void> {
    const entry = this.entry(id);
    if (!this.holdsLease(entry.id, leaseId)) throw new UserFacingError(humanError("UploadElsewhere", "Uploading in another tab", "This file is already being uploaded from another Pekanu tab.", "none"));
    await this.dispatch(entry.id, { type: "uploadStarted", total });
  }

  async uploadProgress(leaseId: string, sent: number, total: number, id?: string): Promise<void> {
    const entry = this.entry(id);
    if (!this.holdsLease(entry.id, leaseId)) return;
    const upload = entry.flow.upload;
    // Persisted coarsely (every 5 %) to survive a restart; the page shows the fine progress itself.
    if (upload && (sent === total || sent - upload.sent >= total / 20)) await this.dispatch(entry.id, { type: "uploadProgress", sent, total });
  }

  async uploadInterrupted(leaseId: string, reason: string, id?: string): Promise<void> {
    const entry = this.entry(id);
    if (!this.holdsLease(entry.id, leaseId)) return;
    this.leases.delete(entry.id);
    await this.dispatch(entry.id, { type: "uploadInterrupted", reason });
    await this.fail(entry.id, flowErrors.uploadInterrupted(reason));
  }

  async uploadFinished(leaseId: string, body: unknown, id?: string): Promise<void> {
    const entry = this.entry(id);
    this.leases.delete(entry.id);
    void leaseId;
    await this.acceptReceipt(entry.id, parseReceiptResponse(body));
  }

  async submitOwnershipProof(leaseId: string, proofs: OwnershipProofInput[], id?: string): Promise<void> {
    const entry = this.entry(id);
    const orderId = entry.flow.quote?.quote.orderId;
    if (!orderId || !entry.flow.payment) throw new UserFacingError(humanError("NoOrder", "No paid order", "There is no paid order to prove.", "none"));
    this.takeLease(entry.id, leaseId);
    await this.dispatch(entry.id, { type: "uploadStarted", total: proofs.length });
    try {
      const answer = await this.apiFor(entry).ownershipProof(orderId, proofs);
      await this.acceptReceipt(entry.id, answer);
    } catch (err) {
      await this.dispatch(entry.id, { type: "uploadInterrupted", reason: toHumanError(err).message });
      throw err;
    } finally {
      this.leases.delete(entry.id);
    }
  }

  private async acceptReceipt(id: string, answer: { orderId: Hex; link: string; signature: Hex }): Promise<void> {
    const orderId = this.entries.get(id)?.flow.quote?.quote.orderId;
    if (!orderId || answer.orderId.toLowerCase() !== orderId.toLowerCase()) {
      throw new UserFacingError(providerErrors.invalidAnswer("the upload", "the receipt is for another order"));
    }
    await this.dispatch(id, { type: "receiptReceived", link: answer.link, signature: answer.signature });
    await this.verifyReceipt(id);
  }

  /** σ and L checked with protocol's verifyReceipt against contract.signer(). */
  private async verifyReceipt(id: string): Promise<void> {
    const entry = this.entries.get(id);
    const order = entry?.flow;
    const receipt = order?.receipt;
    if (!entry || !order?.quote || !receipt || receipt.status !== "received") return;
    const { info } = entry.provider;
    const subject: SignedSubject = { kind: "receipt", chainId: info.chainId, contract: info.contract.address, quote: order.quote.quote, link: receipt.link, signature: receipt.signature };
    const signer = (await this.deps.messenger.call("session:readContract")).signer; // the chain's word, never the provider's claim
    let check = checkSignature(subject, signer);
    if (!check.ok && check.recovered) {
      // σ by a rotated-out signer stays valid for orders paid before the rotation.
      const retiredAt = Number(await this.deps.chain.signerRetiredAt(info.contract.address, check.recovered));
      const { paidAt } = await this.deps.chain.orderOf(info.contract.address, order.quote.quote.orderId);
      if (retiredAt > 0 && paidAt < retiredAt) check = { ok: true, signer: check.recovered, retired: true };
    }
    if (check.ok) {
      await this.dispatch(id, { type: "receiptVerified", signer: check.signer, at: this.now() });
      await this.saveToVault(id);
      await this.dispatch(id, { type: "receiptSaved" });
    } else {
      await this.dispatch(id, { type: "receiptRejected", problem: check.problem, recovered: check.recovered });
      await this.saveToVault(id);
      await this.fail(id, flowErrors.receiptInvalid(check.problem));
    }
  }

  /** The order, paid, as a vault record (σ or not). */
  async saveToVault(id: string): Promise<VaultRecord | null> {
    const entry = this.entries.get(id);
    const order = entry?.flow;
    if (!entry || !order?.quote || !order.payment) return null;
    const provider = entry.provider;
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
          ? { status: "invalid", by: "chain", at: this.now(), note: receipt.problem ?? "σ invalid" }
          : { status: "verified", by: "chain", at: q.receivedAt, note: "quote signature verified against contract.signer(); no σ yet" },
      fileName: order.file.name,
      mimeType: order.file.mimeType,
      providerUrl: provider.url,
      deduplicated: q.deduplicated,
      payTxHash: order.payment.txHash,
      payBlock: order.payment.blockNumber,
      paymentStatus: order.payment.status,
      createdAt: order.payment.sentAt,
      updatedAt: this.now(),
      chain: null,
      actions: [],
      audits: [],
      searchText: "",
      // The file key stays in the extension: this record (IndexedDB), and a sealed export.
      encryption: order.file.encryption
        ? { mode: order.file.encryption.mode, key: order.file.encryption.key, plaintextSize: order.file.encryption.plaintextSize, segmentSize: order.file.encryption.segmentSize, header: order.file.encryption.header }
        : null,
    };
    record.searchText = searchTextOf(record);
    const vault = await this.deps.messenger.call("vaultdb:open");
    const existing = await vault.get(record.key);
    let stored: VaultRecord;
    if (existing) {
      // The order's newer facts win over what the vault had from earlier in this same order.
      stored = (await vault.update(record.key, (r) => ({
        ...r,
        payBlock: record.payBlock ?? r.payBlock,
        paymentStatus: record.paymentStatus,
        encryption: r.encryption?.key ? r.encryption : record.encryption,
        ...(record.signature && (r.signature === null || r.verification.status !== "verified" || verified)
          ? { link: record.link, signature: record.signature, signer: record.signer, verification: record.verification }
          : {}),
        updatedAt: this.now(),
      })))!;
    } else {
      stored = await vault.save(record);
    }
    this.deps.messenger.call("vault:changed", await vault.count());
    return stored;
  }

  // ───────────────────────── resume ─────────────────────────

  /** Picks up, for every order, whatever needs no person: after a restart, on an alarm, or when a page asks. */
  resume(): void {
    for (const entry of this.entries.values()) {
      const id = entry.id;
      const action = resumeAction(this.compose(entry));
      switch (action.kind) {
        case "findPayment":
          this.tasks.run(`${id}:findPayment`, () => this.findPayment(id, action.orderId));
          break;
        case "waitForPayment":
          this.tasks.run(`${id}:pay`, () => this.waitForPayment(id, action.txHash));
          break;
        case "pollOrder":
          // An upload a page is still sending is that page's; otherwise ask the provider for σ.
          if (!this.leases.has(id) || this.now() - this.leases.get(id)!.at >= UPLOAD_LEASE_MS) this.tasks.run(`${id}:poll`, () => this.pollOrder(id));
          break;
        case "verifyReceipt":
          this.tasks.run(`${id}:verify`, () => this.verifyReceipt(id));
          break;
        case "saveReceipt":
          this.tasks.run(`${id}:save`, async () => {
            await this.saveToVault(id);
            await this.dispatch(id, { type: "receiptSaved" });
          });
          break;
        default:
          break;
      }
    }
  }

  private async dropUnpaidQuotes(): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (!entry.flow.payment && entry.flow.quote) {
        const updated = { ...entry, flow: { ...entry.flow, quote: null, balance: null, payRequestedAt: null }, updatedAt: this.now() };
        this.entries.set(entry.id, updated);
        await this.persist(updated);
      }
    }
    this.changed();
  }
}
