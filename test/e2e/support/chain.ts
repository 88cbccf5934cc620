/**
 * The tests' own view of the chain (viem over the stack's RPC): what the extension shows is
 * checked against the contract here, independently of the extension and the provider.
 */
import { OrderState, type Quote, receiptFor, serverContractAbi, verifyReceipt } from "@pekanu/protocol";
import {
  type Address,
  type Hex,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ACCOUNTS, devKey, type StackInfo } from "./stack.ts";

/** A quote as the extension stores it (uints as decimal strings). */
export type QuoteJson = {
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: string;
  price: string;
  fine: string;
  storageUntil: string;
  expiresAt: string;
};

export function quoteFromJson(json: QuoteJson): Quote {
  return {
    orderId: json.orderId,
    client: json.client,
    fileRoot: json.fileRoot,
    size: BigInt(json.size),
    price: BigInt(json.price),
    fine: BigInt(json.fine),
    storageUntil: BigInt(json.storageUntil),
    expiresAt: BigInt(json.expiresAt),
  };
}

export function chainView(stack: StackInfo) {
  const chain = defineChain({
    id: stack.chainId,
    name: "pekanu-e2e",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [stack.rpcUrl] } },
  });
  const client: PublicClient = createPublicClient({ chain, transport: http(stack.rpcUrl), pollingInterval: 100 });
  const address = stack.contract;
  const read = <T>(functionName: string, args: unknown[] = []) =>
    client.readContract({ address, abi: serverContractAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const rpc = (method: string, params: unknown[] = []) => client.request({ method: method as never, params: params as never });

  return {
    client,
    signer: () => read<Address>("signer"),
    params: () =>
      read<{ settleDelay: bigint; responseWindow: bigint; challengeCooldown: bigint; challengeBond: bigint }>("params"),
    isRegistered: (account: Address) => read<boolean>("isRegistered", [account]),
    withdrawable: (account: Address) => read<bigint>("withdrawable", [account]),
    quoteHash: (quote: Quote) => read<Hex>("quoteHash", [quote]),
    async orderOf(orderId: Hex) {
      const [state, settled, paidAt, commitment] = await read<readonly [number, boolean, bigint, bigint]>("orderOf", [orderId]);
      return { state: Number(state), settled, paidAt: Number(paidAt), commitment };
    },
    async pendingOf(orderId: Hex) {
      const [deadline, lastChallengeAt, chunkIndex] = await read<readonly [bigint, bigint, bigint]>("pendingOf", [orderId]);
      return { deadline: Number(deadline), lastChallengeAt: Number(lastChallengeAt), chunkIndex: Number(chunkIndex) };
    },
    balance: (account: Address) => client.getBalance({ address: account }),
    /** OrderPaid events of one order (from genesis: the chain is a test chain). */
    orderPaidEvents: (orderId: Hex) =>
      client.getContractEvents({ address, abi: serverContractAbi, eventName: "OrderPaid", args: { orderId } as never, fromBlock: 0n }),
    clientRegisteredEvents: (account: Address) =>
      client.getContractEvents({ address, abi: serverContractAbi, eventName: "ClientRegistered", args: { client: account } as never, fromBlock: 0n }),
    /** gasUsed × effectiveGasPrice of a mined transaction, and its sender. */
    async txCost(hash: Hex) {
      const receipt = await client.waitForTransactionReceipt({ hash });
      return { cost: receipt.gasUsed * receipt.effectiveGasPrice, from: receipt.from, status: receipt.status, receipt };
    },
    /** Moves chain time forward and mines a block (strict deadlines: `seconds` past now). */
    async increaseTime(seconds: number) {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine");
    },
    async latestTimestamp(): Promise<number> {
      return Number((await client.getBlock()).timestamp);
    },
    /** Sends `wei` from the funder development account. */
    async fund(to: Address, wei: bigint) {
      const wallet = createWalletClient({ chain, transport: http(stack.rpcUrl), account: privateKeyToAccount(devKey(ACCOUNTS.funder)) });
      const hash = await wallet.sendTransaction({ to, value: wei });
      await client.waitForTransactionReceipt({ hash });
      return hash;
    },
  };
}

export type ChainView = ReturnType<typeof chainView>;

/** A vault record as the extension keeps it in IndexedDB (the fields the tests look at). */
export type VaultRecordJson = {
  key: string;
  chainId: number;
  contract: Address;
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: number;
  quote: QuoteJson;
  quoteSignature: Hex;
  link: string | null;
  signature: Hex | null;
  signer: Address | null;
  verification: { status: string; by: string | null; note?: string };
  fileName: string;
  deduplicated: boolean;
  payTxHash: Hex | null;
  paymentStatus: string;
  actions: { kind: string; txHash: Hex; status: string; value?: string }[];
  audits: { at: number; index: number; ok: boolean; problem?: string }[];
  /** Schema v3: the file's encryption, null when stored unencrypted (compute inputs). */
  encryption?: { mode: string } | null;
};

/**
 * Seed step 13 checked independently of the extension: σ over (quote, L) recovers to the signer
 * the contract names now; the order is Paid on chain with the commitment of exactly this quote.
 */
export async function checkReceiptIndependently(chain: ChainView, stack: StackInfo, record: VaultRecordJson) {
  if (!record.signature || !record.link) throw new Error(`vault record ${record.key} has no σ / L`);
  const quote = quoteFromJson(record.quote);
  const signer = await chain.signer();
  // Throws ReceiptSignerMismatch unless σ is the contract signer's.
  verifyReceipt({
    domain: { chainId: stack.chainId, verifyingContract: stack.contract },
    receipt: receiptFor({ quote, link: record.link }),
    signature: record.signature,
    signer,
  });
  const order = await chain.orderOf(quote.orderId);
  const structHash = await chain.quoteHash(quote);
  const commitment = BigInt(structHash) & ((1n << 192n) - 1n);
  return { quote, signer, order, structHash, commitment, paid: order.state === OrderState.Paid };
}
