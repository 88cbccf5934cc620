// Chain reads and transactions through the wallet's EIP-1193 provider (viem over a custom
// transport). Reads never trust the provider's HTTP answers: signer, params, registration and
// order state come from the contract.
import { serverContractAbi, type Quote } from "@pekanu/protocol";
import {
  createPublicClient,
  custom,
  encodeFunctionData,
  parseEventLogs,
  type Address,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { explainRevert } from "./explainRevert.ts";
import type { WalletConnection } from "./wallet.ts";

export type ContractParams = { settleDelay: bigint; responseWindow: bigint; challengeCooldown: bigint; challengeBond: bigint };

export function createChain(wallet: WalletConnection) {
  const client: PublicClient = createPublicClient({
    transport: custom({ request: (args: { method: string; params?: unknown }) => wallet.request(args) }, { retryCount: 1 }),
    pollingInterval: 2_000,
    // No CCIP-read: its module is loaded lazily, and an MV3 service worker cannot load code after start.
    ccipRead: false,
  });

  const read = <T>(address: Address, functionName: string, args: unknown[] = []) =>
    client.readContract({ address, abi: serverContractAbi, functionName: functionName as never, args: args as never }) as Promise<T>;


  return {
    client,
    signer: (contract: Address) => read<Address>(contract, "signer"),
    params: (contract: Address) => read<ContractParams>(contract, "params"),
    isRegistered: (contract: Address, account: Address) => read<boolean>(contract, "isRegistered", [account]),
    withdrawable: (contract: Address, account: Address) => read<bigint>(contract, "withdrawable", [account]),
    signerRetiredAt: (contract: Address, signer: Address) => read<bigint>(contract, "signerRetiredAt", [signer]),
    /** Whether σ was shown on chain (published, or shown in a challenge): no dispute then, and a challenge needs no σ. */
    isDelivered: (contract: Address, orderId: Hex) => read<boolean>(contract, "isDelivered", [orderId]),
    /** What a one-chunk challenge's bond becomes if the provider answers now: its answer's share, and what comes back. */
    async bondSplit(contract: Address, size: number) {
      const block = await client.getBlock({ blockTag: "latest" });
      const [, toProvider, toClient] = await read<readonly [bigint, bigint, bigint]>(contract, "bondSplit", [BigInt(size), 1n, block.baseFeePerGas ?? 0n]);
      return { toProvider, toClient };
    },
    async orderOf(contract: Address, orderId: Hex) {
      const [state, settled, paidAt, commitment] = await read<readonly [number, boolean, bigint, bigint]>(contract, "orderOf", [orderId]);
      return { state: Number(state), settled, paidAt: Number(paidAt), commitment };
    },
    async pendingOf(contract: Address, orderId: Hex) {
      const [deadline, lastChallengeAt, chunkIndex, , bondHeld] = await read<readonly [bigint, bigint, bigint, readonly bigint[], bigint]>(contract, "pendingOf", [orderId]);
      return { deadline: Number(deadline), lastChallengeAt: Number(lastChallengeAt), chunkIndex: Number(chunkIndex), bondHeld };
    },
    balance: (account: Address) => client.getBalance({ address: account }),
    code: (address: Address) => client.getCode({ address }),
    /** Timestamp of the latest block (chain time, what the contract's deadlines are compared with). */
    latestBlockTime: async () => Number((await client.getBlock({ blockTag: "latest" })).timestamp),
    async maxFeePerGas(): Promise<bigint> {
      try {
        const fees = await client.estimateFeesPerGas();
        return fees.maxFeePerGas ?? fees.gasPrice ?? (await client.getGasPrice());
      } catch {
        return client.getGasPrice();
      }
    },
    estimatePayGas: (contract: Address, quote: Quote, signature: Hex) =>
      client.estimateContractGas({
        address: contract,
        abi: serverContractAbi,
        functionName: "pay",
        args: [quote, signature],
        account: quote.client,
        value: quote.price,
      }),
    /** Gas of paying several quotes in one transaction (payBatch), value = the sum of their prices. */
    estimatePayBatchGas: (contract: Address, quotes: Quote[], signatures: Hex[]) =>
      client.estimateContractGas({
        address: contract,
        abi: serverContractAbi,
        functionName: "payBatch",
        args: [quotes, signatures],
        account: quotes[0]!.client,
        value: quotes.reduce((sum, q) => sum + q.price, 0n),
      }),
    /** Simulates, then sends through the wallet (eth_sendTransaction); returns the tx hash. */
    async send({
      contract,
      from,
      functionName,
      args,
      value = 0n,
    }: {
      contract: Address;
      from: Address;
      functionName: "pay" | "payBatch" | "disputeDelivery" | "challengeStorage" | "claimPenalty" | "withdraw";
      args: readonly unknown[];
      value?: bigint;
    }): Promise<Hex> {
      try {
        await client.simulateContract({ address: contract, abi: serverContractAbi, functionName: functionName as never, args: args as never, account: from, value: value as never });
      } catch (err) {
        explainRevert(err);
      }
      const data = encodeFunctionData({ abi: serverContractAbi, functionName: functionName as never, args: args as never });
      const tx: Record<string, string> = { from, to: contract, data };
      if (value > 0n) tx.value = `0x${value.toString(16)}`;
      return wallet.request<Hex>({ method: "eth_sendTransaction", params: [tx] });
    },
    receipt: (hash: Hex) => client.getTransactionReceipt({ hash }).catch(() => null),
    waitForReceipt: (hash: Hex, timeoutMs = 5 * 60_000) =>
      client.waitForTransactionReceipt({ hash, timeout: timeoutMs, pollingInterval: 2_000 }),
    registrationEventIn(receipt: TransactionReceipt, contract: Address, account: Address): boolean {
      const logs = parseEventLogs({ abi: serverContractAbi, eventName: "ClientRegistered", logs: receipt.logs });
      return logs.some(
        (log) => log.address.toLowerCase() === contract.toLowerCase() && (log.args as { client: Address }).client.toLowerCase() === account.toLowerCase(),
      );
    },
    /** The OrderPaid event of `orderId` (a payment the wallet sent while no worker was waiting for its hash). */
    async findPayment(contract: Address, orderId: Hex, fromBlock: number) {
      const logs = await client.getContractEvents({
        address: contract,
        abi: serverContractAbi,
        eventName: "OrderPaid",
        args: { orderId } as never,
        fromBlock: BigInt(fromBlock),
        toBlock: "latest",
      });
      const last = logs.at(-1);
      if (!last) return null;
      const args = last.args as { client: Address; fileRoot: Hex; price: bigint };
      return { txHash: last.transactionHash as Hex, blockNumber: Number(last.blockNumber), client: args.client, fileRoot: args.fileRoot, price: args.price };
    },
    /** The ClientRegistered event for `account` (an earlier registration, when the provider sent no tx hash). */
    async findRegistration(contract: Address, account: Address, fromBlock: number) {
      const logs = await client.getContractEvents({
        address: contract,
        abi: serverContractAbi,
        eventName: "ClientRegistered",
        args: { client: account } as never,
        fromBlock: BigInt(fromBlock),
        toBlock: "latest",
      });
      const last = logs.at(-1);
      return last ? { txHash: last.transactionHash as Hex, blockNumber: Number(last.blockNumber) } : null;
    },
    explainRevert,
  };
}

export type Chain = ReturnType<typeof createChain>;
