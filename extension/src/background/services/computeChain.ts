// ComputeContract reads and transactions through the wallet (the storage contract's are in
// chain.ts). Reads come from the contract, never from the provider's word.
import { computeContractAbi } from "@pekanu/protocol/contract";
import type { ItemProof, JobQuote, JobResult } from "@pekanu/protocol/compute";
import { encodeFunctionData, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { explainRevert } from "./explainRevert.ts";

export type ComputeSend =
  | { functionName: "pay"; args: readonly [JobQuote, Hex]; value: bigint }
  | { functionName: "proveFraud"; args: readonly [JobQuote, JobResult, Hex, ItemProof] }
  | { functionName: "withdraw"; args: readonly [] }
  | { functionName: "disputeDelivery"; args: readonly [JobQuote] }
  | { functionName: "claimPenalty"; args: readonly [JobQuote] }
  | { functionName: "challengeResult"; args: readonly [JobQuote, JobResult, Hex, bigint]; value: bigint };

export function createComputeChain({ client, request }: { client: PublicClient; request: <T>(args: { method: string; params?: unknown }) => Promise<T> }) {
  const read = <T>(address: Address, functionName: string, args: unknown[] = []) =>
    client.readContract({ address, abi: computeContractAbi, functionName: functionName as never, args: args as never }) as Promise<T>;


  return {
    signer: (contract: Address) => read<Address>(contract, "signer"),
    withdrawable: (contract: Address, account: Address) => read<bigint>(contract, "withdrawable", [account]),
    async jobOf(contract: Address, jobId: Hex) {
      const [state, delivered, paidAt] = await read<readonly [number, boolean, bigint, bigint]>(contract, "jobOf", [jobId]);
      return { state: Number(state), delivered, paidAt: Number(paidAt) };
    },
    /** The job's state, open deadline, when disputes close, and the chain's clock (one view for the UI). */
    async readJob(contract: Address, quote: JobQuote) {
      const [[state, delivered], [deadline], closesAt, params, block] = await Promise.all([
        read<readonly [number, boolean, bigint, bigint]>(contract, "jobOf", [quote.jobId]),
        read<readonly [bigint, bigint, bigint, bigint]>(contract, "pendingOf", [quote.jobId]),
        read<bigint>(contract, "settleAt", [quote]),
        read<{ challengeBond: bigint }>(contract, "params"),
        client.getBlock({ blockTag: "latest" }),
      ]);
      return { state: Number(state), delivered, deadline: Number(deadline), closesAt: Number(closesAt), challengeBond: params.challengeBond.toString(), blockTime: Number(block.timestamp) };
    },
    blockNumber: async () => Number(await client.getBlockNumber()),
    /** The JobPaid event of `jobId` (a payment the wallet sent while no worker was waiting for its hash). */
    async findJobPayment(contract: Address, jobId: Hex, fromBlock: number) {
      const logs = await client.getContractEvents({ address: contract, abi: computeContractAbi, eventName: "JobPaid", args: { jobId } as never, fromBlock: BigInt(fromBlock), toBlock: "latest" });
      const last = logs.at(-1);
      if (!last) return null;
      const args = last.args as { client: Address; jobHash: Hex; price: bigint };
      return { txHash: last.transactionHash as Hex, blockNumber: Number(last.blockNumber), client: args.client, jobHash: args.jobHash, price: args.price };
    },
    balance: (account: Address) => client.getBalance({ address: account }),
    async maxFeePerGas(): Promise<bigint> {
      try {
        const fees = await client.estimateFeesPerGas();
        return fees.maxFeePerGas ?? fees.gasPrice ?? (await client.getGasPrice());
      } catch {
        return client.getGasPrice();
      }
    },
    estimateGas: (contract: Address, from: Address, call: ComputeSend) =>
      client.estimateContractGas({ address: contract, abi: computeContractAbi, functionName: call.functionName, args: call.args as never, account: from, value: ("value" in call ? call.value : 0n) as never }),
    /** Simulates (a revert is explained in words before the wallet opens), then sends through the wallet. */
    async send(contract: Address, from: Address, call: ComputeSend): Promise<Hex> {
      const value = "value" in call ? call.value : 0n;
      try {
        await client.simulateContract({ address: contract, abi: computeContractAbi, functionName: call.functionName as never, args: call.args as never, account: from, value: value as never });
      } catch (err) {
        explainRevert(err);
      }
      const data = encodeFunctionData({ abi: computeContractAbi, functionName: call.functionName, args: call.args as never });
      const tx: Record<string, string> = { from, to: contract, data };
      if (value > 0n) tx.value = `0x${value.toString(16)}`;
      return request<Hex>({ method: "eth_sendTransaction", params: [tx] });
    },
    waitForReceipt: (hash: Hex, timeoutMs = 5 * 60_000): Promise<TransactionReceipt> => client.waitForTransactionReceipt({ hash, timeout: timeoutMs, pollingInterval: 1_000 }),
  };
}

export type ComputeChain = ReturnType<typeof createComputeChain>;
