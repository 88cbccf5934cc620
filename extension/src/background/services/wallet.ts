// The wallet connection, owned by the background: MetaMask's external-extension protocol
// (`createExternalExtensionProvider`) to a wallet whose extension id is a setting, so any wallet
// speaking that protocol works. Follows accounts and chain id. Never sees a private key: signing
// and sending happen in the wallet (personal_sign, eth_sendTransaction).
import { createExternalExtensionProvider } from "@metamask/providers";
import { UserFacingError, walletErrors } from "../../lib/errors.ts";
import type { WalletView } from "../../lib/messages.ts";

type Eip1193 = {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener?(event: string, listener: (...args: unknown[]) => void): unknown;
};

const PROBE_TIMEOUT_MS = 4000;
/** Interactive requests (the person answers in the wallet) get a long but finite wait. */
const INTERACTIVE_TIMEOUT_MS = 10 * 60_000;
const READ_TIMEOUT_MS = 30_000;

const interactiveMethods = new Set([
  "eth_requestAccounts",
  "personal_sign",
  "eth_sendTransaction",
  "eth_signTypedData_v4",
  "wallet_switchEthereumChain",
  "wallet_addEthereumChain",
  "wallet_requestPermissions",
]);

export class WalletConnection {
  private provider: Eip1193 | null = null;
  private disconnected: Promise<never> | null = null;
  private generation = 0;
  view: WalletView;

  constructor(
    private walletId: string,
    private readonly onChange: (view: WalletView) => void,
  ) {
    this.view = { status: "unknown", walletId, accounts: [], account: null, chainId: null };
  }

  setWalletId(walletId: string): void {
    if (walletId === this.walletId) return;
    this.walletId = walletId;
    this.drop();
    this.update({ status: "unknown", walletId, accounts: [], account: null, chainId: null });
  }

  private update(patch: Partial<WalletView>): void {
    this.view = { ...this.view, ...patch };
    this.onChange(this.view);
  }

  private drop(): void {
    this.provider = null;
    this.disconnected = null;
    this.generation++;
  }

  private create(): Eip1193 {
    if (this.provider) return this.provider;
    const generation = ++this.generation;
    let provider: Eip1193;
    try {
      provider = createExternalExtensionProvider(this.walletId) as unknown as Eip1193;
    } catch {
      throw new UserFacingError(walletErrors.missing(this.walletId));
    }
    this.provider = provider;
    this.disconnected = new Promise<never>((_, reject) => {
      provider.on("disconnect", () => {
        if (generation !== this.generation) return;
        this.drop();
        this.update({ status: "missing", accounts: [], account: null });
        reject(new UserFacingError(walletErrors.missing(this.walletId)));
      });
    });
    this.disconnected.catch(() => undefined);
    provider.on("accountsChanged", (accounts) => {
      if (generation !== this.generation) return;
      const list = (Array.isArray(accounts) ? accounts : []) as `0x${string}`[];
      this.update({ accounts: list, account: list[0] ?? null, status: list.length ? "ready" : "locked" });
    });
    provider.on("chainChanged", (chainId) => {
      if (generation !== this.generation) return;
      this.update({ chainId: typeof chainId === "string" ? Number.parseInt(chainId, 16) : Number(chainId) });
    });
    return provider;
  }

  /** An EIP-1193 request through the wallet, with a timeout and "wallet went away" detection. */
  async request<T = unknown>(args: { method: string; params?: unknown }, timeoutMs?: number): Promise<T> {
    const provider = this.create();
    const limit = timeoutMs ?? (interactiveMethods.has(args.method) ? INTERACTIVE_TIMEOUT_MS : READ_TIMEOUT_MS);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UserFacingError(walletErrors.missing(this.walletId))), limit);
    });
    try {
      return (await Promise.race([provider.request(args), this.disconnected!, timeout])) as T;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Is the wallet there, which accounts did it expose to us, on which chain? No prompt. */
  async refresh(): Promise<WalletView> {
    if (this.view.status === "unknown" || this.view.status === "missing") this.update({ status: "connecting" });
    try {
      const chainHex = await this.request<string>({ method: "eth_chainId" }, PROBE_TIMEOUT_MS);
      const accounts = await this.request<`0x${string}`[]>({ method: "eth_accounts" }, PROBE_TIMEOUT_MS);
      this.update({
        status: accounts.length ? "ready" : "locked",
        chainId: Number.parseInt(chainHex, 16),
        accounts,
        account: accounts[0] ?? null,
      });
    } catch (err) {
      this.drop();
      this.update({ status: "missing", accounts: [], account: null, chainId: null });
      throw err;
    }
    return this.view;
  }

  /** Asks the wallet to connect an account (unlock prompt if locked). */
  async connect(): Promise<`0x${string}`> {
    await this.refresh();
    const accounts = await this.request<`0x${string}`[]>({ method: "eth_requestAccounts" });
    if (!accounts.length) throw new UserFacingError(walletErrors.locked());
    this.update({ status: "ready", accounts, account: accounts[0]! });
    return accounts[0]!;
  }

  /** The current account, prompting for a connection when none is exposed yet. */
  async account(): Promise<`0x${string}`> {
    if (this.view.status !== "ready" || !this.view.account) {
      await this.refresh().catch(() => undefined);
    }
    if (this.view.status === "missing") throw new UserFacingError(walletErrors.missing(this.walletId));
    if (this.view.account) return this.view.account;
    return this.connect();
  }

  async chainId(): Promise<number> {
    if (this.view.chainId === null || this.view.status !== "ready") await this.refresh();
    return this.view.chainId!;
  }

  /** wallet_switchEthereumChain, then wallet_addEthereumChain when the wallet does not know it (4902). */
  async switchChain(chainId: number, add?: { chainName: string; rpcUrls: string[] }): Promise<void> {
    const hex = `0x${chainId.toString(16)}`;
    try {
      await this.request({ method: "wallet_switchEthereumChain", params: [{ chainId: hex }] });
    } catch (err) {
      const code = (err as { code?: number }).code ?? (err as { data?: { originalError?: { code?: number } } }).data?.originalError?.code;
      if (code !== 4902 || !add) throw err;
      await this.request({
        method: "wallet_addEthereumChain",
        params: [{ chainId: hex, chainName: add.chainName, rpcUrls: add.rpcUrls, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 } }],
      });
    }
    await this.refresh();
  }
}
