// The provider session service: which provider the person connected (its /v1/info), the SIWE
// session with it, the registration on its contract, and what the chain says about that contract
// (signer, params). Persisted under "session" after every change; other controllers read it and
// get API clients through the messenger (`session:*`).
import { isServerContractCode } from "@pekanu/protocol";
import type { Address } from "viem";
import { humanError, providerErrors, toHumanError, UserFacingError, walletErrors, type HumanError } from "../../lib/errors.ts";
import { initialFlowState, reduceFlow, type FlowEvent, type FlowState, type ProviderInfo } from "../../lib/flow.ts";
import { toMillis } from "../../lib/format.ts";
import { createSignInMessage } from "../../lib/signInMessage.ts";
import type { ContractView } from "../../lib/messages.ts";
import { createProviderApi, type ProviderApi } from "../../lib/providerApi.ts";
import { normalizeProviderUrl } from "../../lib/url.ts";

export { normalizeProviderUrl };
import type { KeyValueStore } from "../store.ts";
import { TaskRunner, type BackgroundMessenger, type SessionSlice } from "../types.ts";
import type { Chain } from "./chain.ts";
import type { WalletConnection } from "./wallet.ts";

export const SESSION_KEY = "session";
export const CONTRACT_KEY = "contract";
/** Before the split into controllers, the whole client state lived under "flow". */
export const LEGACY_FLOW_KEY = "flow";

const emptySlice: SessionSlice = { provider: null, session: null, registration: null, error: null };

/** The statement shown in the wallet at sign-in. */
export const SIGN_IN_STATEMENT = "Sign in to this Pekanu storage provider. This signature costs nothing and sends no transaction.";

export type ProviderSessionsDeps = {
  messenger: BackgroundMessenger;
  store: KeyValueStore;
  wallet: Pick<WalletConnection, "account" | "chainId" | "request" | "refresh" | "view">;
  chain: Pick<Chain, "code" | "signer" | "params" | "waitForReceipt" | "registrationEventIn" | "findRegistration" | "isRegistered">;
  /** Host permission check (chrome.permissions.contains in the extension). */
  hasHostPermission: (origin: string) => Promise<boolean>;
  /** The SIWE domain and URI (MetaMask compares the domain with the requesting extension's origin). */
  siweOrigin: () => { domain: string };
  fetch?: typeof fetch;
  now?: () => number;
};

export class ProviderSessions {
  private slice: SessionSlice = emptySlice;
  private contract: ContractView | null = null;
  private persistQueue: Promise<void> = Promise.resolve();
  private readonly tasks: TaskRunner;
  private readonly now: () => number;

  constructor(private readonly deps: ProviderSessionsDeps) {
    this.now = deps.now ?? Date.now;
    this.tasks = new TaskRunner((_key, err) => this.fail(toHumanError(err)));
    const m = deps.messenger;
    m.registerAction("session:get", () => this.slice);
    m.registerAction("session:provider", () => this.provider());
    m.registerAction("session:requireSession", () => this.requireSession());
    m.registerAction("session:api", (withToken = true) => this.api(withToken));
    m.registerAction("session:tokenFor", (link) => this.tokenFor(link));
    m.registerAction("session:readContract", () => this.readContract());
    m.registerAction("session:contract", () => this.contractView());
    m.registerAction("session:requireChain", (chainId) => this.requireChain(chainId));
    m.registerAction("session:requireAccount", (expected) => this.requireAccount(expected));
    m.registerAction("session:fail", (error) => this.fail(error));
  }

  /** Loads the persisted slice (or splits the pre-controller "flow" state, returned for the orders). */
  async load(): Promise<FlowState | null> {
    const stored = await this.deps.store.get<SessionSlice>(SESSION_KEY);
    this.contract = (await this.deps.store.get<ContractView>(CONTRACT_KEY)) ?? null;
    if (stored) {
      this.slice = { ...emptySlice, ...stored };
      return null;
    }
    const legacy = await this.deps.store.get<string>(LEGACY_FLOW_KEY);
    if (!legacy) return null;
    try {
      const flow = JSON.parse(legacy) as FlowState;
      this.slice = { provider: flow.provider ?? null, session: flow.session ?? null, registration: flow.registration ?? null, error: null };
      await this.persist();
      await this.deps.store.remove(LEGACY_FLOW_KEY);
      return flow;
    } catch {
      return null;
    }
  }

  get state(): SessionSlice {
    return this.slice;
  }

  /** Applies a provider/session/registration event with the client's pure reducer. */
  async dispatch(event: FlowEvent): Promise<void> {
    const composite: FlowState = { ...initialFlowState, ...this.slice, order: null };
    const next = reduceFlow(composite, event);
    if (next === composite) return;
    this.slice = { provider: next.provider, session: next.session, registration: next.registration, error: next.error };
    await this.persist();
    this.deps.messenger.publish("session:changed", this.slice);
  }

  private persist(): Promise<void> {
    const value = this.slice;
    this.persistQueue = this.persistQueue.then(() => this.deps.store.set(SESSION_KEY, value)).catch(() => undefined);
    return this.persistQueue;
  }

  async fail(error: HumanError): Promise<void> {
    await this.dispatch({ type: "failed", error });
  }

  async dismissError(): Promise<void> {
    await this.dispatch({ type: "errorDismissed" });
  }

  contractView(): ContractView | null {
    const info = this.slice.provider?.info;
    const c = this.contract;
    return c && info && c.address.toLowerCase() === info.contract.address.toLowerCase() && c.chainId === info.chainId ? c : null;
  }

  provider(): NonNullable<SessionSlice["provider"]> {
    const provider = this.slice.provider;
    if (!provider) throw new UserFacingError(humanError("NoProvider", "No provider", "Connect a storage provider first.", "reconnect"));
    return provider;
  }

  api(withToken = true): ProviderApi {
    const provider = this.provider();
    const session = this.slice.session;
    const token = withToken && session && session.expiresAt > this.now() ? session.token : null;
    return createProviderApi({ baseUrl: provider.url, token, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) });
  }

  requireSession(): NonNullable<SessionSlice["session"]> {
    const session = this.slice.session;
    if (!session || session.expiresAt <= this.now()) {
      throw new UserFacingError(humanError("SignInNeeded", "Sign-in needed", "Sign in to the provider with your wallet first (your session expired or you switched accounts).", "signIn"));
    }
    return session;
  }

  tokenFor(link: string): string | null {
    const { session, provider } = this.slice;
    if (!session || !provider || session.expiresAt <= this.now()) return null;
    try {
      return new URL(link).origin === provider.origin ? session.token : null;
    } catch {
      return null;
    }
  }

  async requireChain(chainId: number): Promise<void> {
    let actual: number | null;
    try {
      actual = await this.deps.wallet.chainId();
    } catch (err) {
      throw new UserFacingError(toHumanError(err));
    }
    if (actual !== chainId) throw new UserFacingError(walletErrors.wrongChain(chainId, actual));
  }

  async requireAccount(expected: Address): Promise<void> {
    const account = await this.deps.wallet.account();
    if (account.toLowerCase() !== expected.toLowerCase()) throw new UserFacingError(walletErrors.wrongAccount(expected, account));
  }

  /** contract.signer() and params(), read on chain (the provider names the contract, the chain vouches for it). */
  async readContract(): Promise<ContractView> {
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    if (!isServerContractCode(await this.deps.chain.code(info.contract.address))) {
      throw new UserFacingError(
        humanError(
          "NotServerContract",
          "Not a Pekanu contract",
          `The provider advertises ${info.contract.address} on chain ${info.chainId}, but the code there is not the Pekanu storage contract. Do not pay this provider.`,
          "none",
        ),
      );
    }
    const [signer, params] = await Promise.all([this.deps.chain.signer(info.contract.address), this.deps.chain.params(info.contract.address)]);
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
      readAt: this.now(),
    };
    await this.deps.store.set(CONTRACT_KEY, this.contract);
    this.deps.messenger.publish("session:changed", this.slice);
    return this.contract;
  }

  // ───────────────────────── connect, sign in, register ─────────────────────────

  async connect(url: string): Promise<void> {
    const normalized = normalizeProviderUrl(url);
    if (!(await this.deps.hasHostPermission(normalized.origin))) throw new UserFacingError(providerErrors.permissionDenied(normalized.origin));
    let info;
    try {
      info = await createProviderApi({ baseUrl: normalized.baseUrl, ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}) }).info();
    } catch (err) {
      throw new UserFacingError(explainConnectFailure(err, normalized.baseUrl));
    }
    const { abi: _abi, ...rest } = info;
    await this.dispatch({ type: "providerConnected", url: normalized.baseUrl, origin: normalized.origin, info: rest as ProviderInfo, at: this.now() });
    // Wallet and contract checks do not block the connection; their outcome shows in the view.
    try {
      await this.deps.wallet.refresh();
      if (this.deps.wallet.view.chainId === info.chainId) await this.readContract();
    } catch {
      // shown as wallet status / chain mismatch
    }
    this.resume();
  }

  async forget(): Promise<void> {
    await this.dispatch({ type: "providerForgotten" });
    this.contract = null;
    await this.deps.store.remove(CONTRACT_KEY);
    this.deps.messenger.publish("session:changed", this.slice);
  }

  async signIn(): Promise<void> {
    const provider = this.provider();
    const address = await this.deps.wallet.account();
    const api = this.api(false);
    const nonce = await api.nonce();
    const now = new Date(this.now());
    const message = createSignInMessage({
      address,
      chainId: provider.info.chainId,
      domain: this.deps.siweOrigin().domain,
      nonce: nonce.nonce,
      uri: provider.url,
      issuedAt: now,
      expirationTime: new Date(Math.max(now.getTime() + 60_000, toMillis(nonce.expiresAt))),
      statement: SIGN_IN_STATEMENT,
    });
    const hexMessage = `0x${Array.from(new TextEncoder().encode(message), (b) => b.toString(16).padStart(2, "0")).join("")}`;
    const signature = await this.deps.wallet.request<`0x${string}`>({ method: "personal_sign", params: [hexMessage, address] });
    const session = await api.session(message, signature);
    await this.dispatch({ type: "signedIn", token: session.token, address: session.address, expiresAt: toMillis(session.expiresAt) });
  }

  /** The wallet's account changed: a session of another account is not ours any more. */
  async accountChanged(account: Address | null): Promise<void> {
    const session = this.slice.session;
    if (session && account && account.toLowerCase() !== session.address.toLowerCase()) {
      await this.dispatch({ type: "accountChanged", address: account });
    }
  }

  async requestRegistration(inviteCode?: string): Promise<void> {
    const session = this.requireSession();
    const { info } = this.provider();
    const answer = await this.api().register(inviteCode);
    if (answer.contractAddress.toLowerCase() !== info.contract.address.toLowerCase() || answer.chainId !== info.chainId) {
      throw new UserFacingError(
        humanError("RegistrationMismatch", "Registration on another contract", `The provider registered you on ${answer.contractAddress} (chain ${answer.chainId}), not on the contract it advertised. Do not pay this provider.`, "none"),
      );
    }
    await this.dispatch({ type: "registrationRequested", address: session.address, txHash: answer.txHash, alreadyRegistered: answer.alreadyRegistered });
    this.tasks.run("registration", () => this.checkRegistration());
  }

  /** The registration tx receipt, its ClientRegistered event, and isRegistered on the contract. */
  async checkRegistration(): Promise<void> {
    const reg = this.slice.registration;
    if (!reg) return;
    const { info } = this.provider();
    await this.requireChain(info.chainId);
    const contract = info.contract.address;
    let txHash = reg.txHash;
    let blockNumber: number | null = null;
    let eventSeen = false;
    if (txHash) {
      const receipt = await this.deps.chain.waitForReceipt(txHash, 3 * 60_000);
      if (receipt.status !== "success") {
        await this.dispatch({ type: "registrationFailed", reason: "The registration transaction reverted.", at: this.now() });
        return;
      }
      blockNumber = Number(receipt.blockNumber);
      eventSeen = receipt.to?.toLowerCase() === contract.toLowerCase() && this.deps.chain.registrationEventIn(receipt, contract, reg.address);
    } else {
      const found = await this.deps.chain.findRegistration(contract, reg.address, info.contract.deployBlock).catch(() => null);
      if (found) {
        txHash = found.txHash;
        blockNumber = found.blockNumber;
        eventSeen = true;
      }
    }
    const isRegistered = await this.deps.chain.isRegistered(contract, reg.address);
    await this.dispatch({ type: "registrationChecked", txHash, blockNumber, eventSeen, isRegistered, at: this.now() });
    if (!isRegistered) {
      await this.fail(humanError("NotRegisteredYet", "Not registered yet", "The provider has not finished registering your address yet. If its transaction is still pending, check again in a moment.", "retry"));
    }
  }

  /** Work that needs no person: a registration waiting to be checked. */
  resume(): void {
    const reg = this.slice.registration;
    const session = this.slice.session;
    if (reg && reg.status === "requested" && session && reg.address.toLowerCase() === session.address.toLowerCase()) {
      this.tasks.run("registration", () => this.checkRegistration());
    }
  }
}

/** Why /v1/info failed, in words: offline, or not a Pekanu provider at all. */
export function explainConnectFailure(err: unknown, baseUrl: string): HumanError {
  const human = toHumanError(err);
  if (human.code === "ProviderUnreachable") {
    return humanError("ProviderOffline", "Provider offline", `Nothing answered at ${baseUrl}. The provider may be offline, or the address may be wrong. Check it and try again.`, "retry", human.detail);
  }
  if (human.code.startsWith("Api") || human.code === "ProviderInvalidAnswer") {
    return humanError("NotAProvider", "Not a Pekanu provider", `${baseUrl} answered, but not as a Pekanu storage provider. Check the address you were given.`, "none", human.detail ?? human.message);
  }
  return human;
}
