// The vault controller: the receipts kept in IndexedDB (services/vaultDb) — list, details,
// re-verification, free audits, chain reads, export/import — and the penalty transactions filed
// for them, followed to their receipts even across a service-worker restart (pending list).
import { orderStateName } from "@pekanu/protocol";
import type { Address, Hex } from "viem";
import { randomChunkIndex, verifyAuditAnswer } from "../../lib/commitment.ts";
import { challengeChunks } from "../../lib/watch/challengeChunks.ts";
import { humanError, toHumanError, UserFacingError } from "../../lib/errors.ts";
import type { AuditAnswer, DownloadTarget, ImportAnswer, VaultListAnswer } from "../../lib/messages.ts";
import { createProviderApi } from "../../lib/providerApi.ts";
import { exportVault, verifyImport } from "../../lib/vault/exchange.ts";
import { sealVaultExport } from "../../lib/vault/sealVaultExport.ts";
import { unsealVaultExport } from "../../lib/vault/unsealVaultExport.ts";
import { VaultExportError } from "../../lib/vault/VaultExportError.ts";
import type { PenaltyAction, VaultRecord } from "../../lib/vault/schema.ts";
import { checkSignature, quoteFromJson, type SignedSubject } from "../../lib/vault/verify.ts";
import type { Chain } from "../services/chain.ts";
import type { KeyValueStore } from "../store.ts";
import { POLL_LIMIT_MS, TaskRunner, type BackgroundMessenger, type PendingTx } from "../types.ts";

export const PENDING_KEY = "pendingTx";

export type PenaltyKind = "disputeDelivery" | "challengeStorage" | "claimPenalty";

export type VaultControllerDeps = {
  messenger: BackgroundMessenger;
  store: KeyValueStore;
  chain: Pick<Chain, "signer" | "signerRetiredAt" | "orderOf" | "pendingOf" | "params" | "latestBlockTime" | "send" | "waitForReceipt" | "isDelivered" | "bondSplit">;
  walletChainId: () => Promise<number>;
  fetch?: typeof fetch;
  now?: () => number;
};

export class VaultController {
  private version = 0;
  private count = 0;
  private pendingQueue: Promise<void> = Promise.resolve();
  private readonly tasks: TaskRunner;
  private readonly now: () => number;

  constructor(private readonly deps: VaultControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.tasks = new TaskRunner(() => undefined);
    const m = deps.messenger;
    m.registerAction("vault:changed", (count) => this.changed(count));
    m.registerAction("vault:trackPending", (tx) => this.trackPending(tx));
    m.registerAction("vault:untrackPending", (txHash) => this.untrackPending(txHash));
    m.registerAction("vault:refreshChain", (key) => this.refreshChain(key));
  }

  private vault() {
    return this.deps.messenger.call("vaultdb:open");
  }

  async load(): Promise<void> {
    try {
      this.changed(await (await this.vault()).count());
    } catch {
      // an unopenable vault shows as empty; its own requests say why
    }
  }

  get state(): { count: number; version: number } {
    return { count: this.count, version: this.version };
  }

  changed(count?: number): void {
    this.version++;
    if (count !== undefined) this.count = count;
    this.deps.messenger.publish("vault:changed", this.state);
  }

  async list(query?: string, offset?: number, limit?: number): Promise<VaultListAnswer> {
    const started = performance.now();
    const vault = await this.vault();
    const result = await vault.list({ query, offset, limit });
    // Someone is browsing the vault: prepare the search index meanwhile.
    if (!query) setTimeout(() => void vault.warm().catch(() => undefined), 0);
    return { ...result, ms: performance.now() - started };
  }

  async get(key: string): Promise<VaultRecord | null> {
    return (await (await this.vault()).get(key)) ?? null;
  }

  private async recordOrThrow(key: string): Promise<VaultRecord> {
    const record = await (await this.vault()).get(key);
    if (!record) throw new UserFacingError(humanError("NotInVault", "Not in your files", "This file is not in your list any more.", "none"));
    return record;
  }

  async reverify(key: string): Promise<VaultRecord> {
    const record = await this.recordOrThrow(key);
    let signer: Address | null = null;
    let by: "chain" | "recorded" = "chain";
    try {
      await this.deps.messenger.call("session:requireChain", record.chainId);
      signer = await this.deps.chain.signer(record.contract);
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
      const retiredAt = Number(await this.deps.chain.signerRetiredAt(record.contract, check.recovered));
      const { paidAt } = await this.deps.chain.orderOf(record.contract, record.orderId);
      if (retiredAt > 0 && paidAt < retiredAt) check = { ok: true, signer: check.recovered, retired: true };
    }
    // The quote signature too (σ does not cover price and fine).
    const quoteCheck = checkSignature({ kind: "quote", chainId: record.chainId, contract: record.contract, quote: record.quote, signature: record.quoteSignature }, signer);
    const ok = check.ok && (quoteCheck.ok || (check.ok && check.retired));
    const updated = await (await this.vault()).update(key, (r) => ({
      ...r,
      signer: check.ok ? check.signer : r.signer,
      verification: ok
        ? { status: by === "chain" ? "verified" : "verifiedOffline", by, at: this.now(), ...(check.ok && check.retired ? { retiredSigner: true } : {}), note: by === "chain" ? "re-verified against contract.signer()" : "re-verified against the recorded signer (chain not reachable)" }
        : { status: "invalid", by, at: this.now(), note: check.ok ? `quote signature: ${quoteCheck.ok ? "" : quoteCheck.problem}` : check.problem },
      updatedAt: this.now(),
    }));
    this.changed();
    return updated!;
  }

  /** A free off-chain check: a random chunk and its proof from L, checked against the committed root. */
  async audit(key: string): Promise<AuditAnswer> {
    const record = await this.recordOrThrow(key);
    if (!record.link) throw new UserFacingError(humanError("NoLink", "Nothing to check yet", "This file has no receipt from the provider yet.", "none"));
    const index = randomChunkIndex(record.size);
    const token = this.deps.messenger.call("session:tokenFor", record.link);
    let result: AuditAnswer;
    try {
      const api = createProviderApi({ baseUrl: new URL(record.link).origin, token, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
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
        throw new UserFacingError(humanError("SignInNeeded", "Sign-in needed", "Connect and sign in to this provider to check its files.", "signIn"));
      }
      result = { ok: false, index, problem: human.message };
    }
    await (await this.vault()).update(key, (r) => ({ ...r, audits: [...r.audits, { at: this.now(), index, ok: result.ok, ...(result.problem ? { problem: result.problem } : {}) }], updatedAt: this.now() }));
    this.changed();
    return result;
  }

  async downloadTarget(key: string): Promise<DownloadTarget> {
    const record = await this.recordOrThrow(key);
    if (!record.link) throw new UserFacingError(humanError("NoLink", "Not stored yet", "This file has no download link yet.", "none"));
    return { url: record.link, token: this.deps.messenger.call("session:tokenFor", record.link), fileRoot: record.fileRoot, size: record.size, fileName: record.fileName || `${record.fileRoot}.bin` };
  }

  /**
   * The vault as a file: sealed with `passphrase` (scrypt + AES-GCM, file keys included), or — an
   * explicit choice of the person — plaintext, with the keys only when `includeKeys`.
   */
  async export({ passphrase, includeKeys = false }: { passphrase?: string | undefined; includeKeys?: boolean | undefined } = {}): Promise<{ json: string; sealed: boolean }> {
    const records = await (await this.vault()).all();
    if (passphrase === undefined) return { json: exportVault(records, this.now(), { includeKeys }), sealed: false };
    try {
      return { json: await sealVaultExport({ json: exportVault(records, this.now(), { includeKeys: true }), passphrase }), sealed: true };
    } catch (err) {
      if (err instanceof VaultExportError) throw new UserFacingError(humanError(`Export${err.code}`, "Cannot export", err.message, "none"));
      throw err;
    }
  }

  /** Imports an export; a sealed one is opened with `passphrase` first (a wrong one imports nothing). */
  async import(text: string, passphrase?: string): Promise<ImportAnswer & { sealed: boolean }> {
    const started = performance.now();
    let json: string;
    let sealed: boolean;
    try {
      ({ json, sealed } = await unsealVaultExport({ text, passphrase }));
    } catch (err) {
      if (err instanceof VaultExportError) throw new UserFacingError(humanError(`Import${err.code}`, err.code === "WrongPassphrase" ? "Wrong passphrase" : "Cannot import", err.message, "none"));
      throw err;
    }
    let chainId: number | null = null;
    try {
      chainId = await this.deps.walletChainId();
    } catch {
      chainId = null;
    }
    let report;
    try {
      report = await verifyImport(json, {
        onChainSigner: async (recordChainId, contract) => {
          if (chainId === null || chainId !== recordChainId) return null;
          return this.deps.chain.signer(contract);
        },
        isRetiredSignerFor: async (_chainId, contract, recovered, orderId) => {
          const retiredAt = Number(await this.deps.chain.signerRetiredAt(contract, recovered));
          const { paidAt } = await this.deps.chain.orderOf(contract, orderId);
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
    this.changed(await vault.count());
    return {
      timings: { ...report.timings, saveMs },
      total: report.total,
      added,
      merged,
      verifiedOnChain: report.verifiedOnChain,
      verifiedOffline: report.verifiedOffline,
      refused: report.refused.slice(0, 200),
      ms: performance.now() - started,
      sealed,
    };
  }

  async refreshChain(key: string): Promise<VaultRecord> {
    const record = await this.recordOrThrow(key);
    await this.deps.messenger.call("session:requireChain", record.chainId);
    const chain = this.deps.chain;
    const [order, pending, params, blockTime, delivered, split] = await Promise.all([
      chain.orderOf(record.contract, record.orderId),
      chain.pendingOf(record.contract, record.orderId),
      chain.params(record.contract),
      chain.latestBlockTime(),
      chain.isDelivered(record.contract, record.orderId),
      chain.bondSplit(record.contract, record.size).catch(() => null),
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
        delivered,
        ...(split ? { bondToProvider: split.toProvider.toString(), bondBack: split.toClient.toString() } : {}),
        readAt: this.now(),
        blockTime,
        params: {
          settleDelay: params.settleDelay.toString(),
          responseWindow: params.responseWindow.toString(),
          challengeCooldown: params.challengeCooldown.toString(),
          challengeBond: params.challengeBond.toString(),
        },
      },
      updatedAt: this.now(),
    }));
    this.changed();
    return updated!;
  }

  // ───────────────────────────── penalties ─────────────────────────────

  async penalty(key: string, kind: PenaltyKind): Promise<VaultRecord> {
    const record = await this.recordOrThrow(key);
    const quote = quoteFromJson(record.quote);
    await this.deps.messenger.call("session:requireChain", record.chainId);
    await this.deps.messenger.call("session:requireAccount", record.client);
    let args: readonly unknown[] = [quote];
    let value = 0n;
    // Read fresh: a dispute reverts once σ is on chain, and a challenge then needs no σ (contract v2).
    const delivered = kind === "claimPenalty" ? false : await this.deps.chain.isDelivered(record.contract, record.orderId);
    if (kind === "disputeDelivery" && delivered) {
      throw new UserFacingError(humanError("AlreadyDelivered", "Receipt already on chain", "The provider's signed receipt for this file is already on chain, so there is nothing to dispute. If the file is not stored, check it and challenge the provider instead.", "none"));
    }
    if (kind === "challengeStorage") {
      if (!delivered && (!record.signature || !record.link)) {
        throw new UserFacingError(humanError("NoReceipt", "No receipt", "A storage check on chain needs the provider's signed receipt. Without one, dispute the delivery instead.", "none"));
      }
      // Contract v2: the client names the chunk: the one a failed check found, unless already
      // revealed on chain (then one not yet revealed); the bond is per named chunk.
      let revealed = new Set<number>();
      try {
        revealed = await this.deps.messenger.call("chain:revealedChunks", record.contract, record.fileRoot);
      } catch {
        // no event reader (tests) or the chain refused the log query: name the failed chunk
      }
      const chunkIndices = challengeChunks({ audits: record.audits, size: record.size, revealed });
      // Once σ is on chain the contract does not check it again: send none (cheaper, and works without σ).
      args = delivered ? [quote, "", "0x", chunkIndices] : [quote, record.link, record.signature, chunkIndices];
      value = (await this.deps.chain.params(record.contract)).challengeBond * BigInt(chunkIndices.length);
    }
    const txHash = await this.deps.chain.send({ contract: record.contract, from: record.client, functionName: kind, args, value });
    const action: PenaltyAction = { kind, txHash, at: this.now(), status: "pending", ...(value > 0n ? { value: value.toString() } : {}) };
    const vault = await this.vault();
    const updated = await vault.update(key, (r) => ({ ...r, actions: [...r.actions, action], updatedAt: this.now() }));
    await this.trackPending({ key, txHash, chainId: record.chainId, kind: "action" });
    this.changed();
    this.tasks.run(`action:${txHash}`, () => this.followAction(key, txHash, record.chainId));
    return updated!;
  }

  private async followAction(key: string, txHash: Hex, chainId: number): Promise<void> {
    await this.deps.messenger.call("session:requireChain", chainId);
    const receipt = await this.deps.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
    await (await this.vault()).update(key, (r) => ({
      ...r,
      actions: r.actions.map((a) =>
        a.txHash.toLowerCase() === txHash.toLowerCase() ? { ...a, status: receipt.status === "success" ? "confirmed" : "failed", blockNumber: Number(receipt.blockNumber) } : a,
      ),
      updatedAt: this.now(),
    }));
    await this.untrackPending(txHash);
    this.changed();
    await this.refreshChain(key).catch(() => undefined);
    this.deps.messenger.call("credits:read").catch(() => undefined);
  }

  /** A payment of an order whose own worker is gone (it is followed here, from the pending list). */
  private async followPayment(tx: PendingTx): Promise<void> {
    if (this.deps.messenger.call("orders:isFollowingPayment", tx.txHash)) return; // the order follows it
    await this.deps.messenger.call("session:requireChain", tx.chainId);
    const receipt = await this.deps.chain.waitForReceipt(tx.txHash, POLL_LIMIT_MS);
    await (await this.vault()).update(tx.key, (r) => ({ ...r, paymentStatus: receipt.status === "success" ? "mined" : "reverted", payBlock: Number(receipt.blockNumber), updatedAt: this.now() }));
    await this.untrackPending(tx.txHash);
    this.changed();
  }

  /** Penalty transactions and payments sent before a restart are followed to their receipt. */
  async resume(): Promise<void> {
    for (const tx of await this.pending()) {
      if (tx.kind === "action") this.tasks.run(`action:${tx.txHash}`, () => this.followAction(tx.key, tx.txHash, tx.chainId));
      else this.tasks.run(`pay:${tx.txHash}`, () => this.followPayment(tx));
    }
  }

  async pending(): Promise<PendingTx[]> {
    return (await this.deps.store.get<PendingTx[]>(PENDING_KEY)) ?? [];
  }

  private editPending(change: (list: PendingTx[]) => PendingTx[]): Promise<void> {
    this.pendingQueue = this.pendingQueue
      .then(async () => {
        await this.deps.store.set(PENDING_KEY, change((await this.deps.store.get<PendingTx[]>(PENDING_KEY)) ?? []));
      })
      .catch(() => undefined);
    return this.pendingQueue;
  }

  trackPending(tx: PendingTx): Promise<void> {
    return this.editPending((list) => [...list.filter((p) => p.txHash !== tx.txHash), tx]);
  }

  untrackPending(txHash: Hex): Promise<void> {
    return this.editPending((list) => list.filter((p) => p.txHash.toLowerCase() !== txHash.toLowerCase()));
  }
}
