import { serverContractAbi } from "@pekanu/protocol";
import type { Logger } from "pino";
import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  type ContractFunctionName,
  type ContractFunctionArgs,
  type Hex,
  type TransactionReceipt,
} from "viem";
import type { ChainConnection } from "./connectChain.ts";

type WriteName = ContractFunctionName<typeof serverContractAbi, "nonpayable" | "payable">;

export type SendParameters<name extends WriteName> = {
  functionName: name;
  args: ContractFunctionArgs<typeof serverContractAbi, "nonpayable" | "payable", name>;
  value?: bigint;
};

/** A transaction reverted (in simulation or on chain); `reason` is the contract's custom error name if known. */
export class TxRevertedError extends Error {
  override readonly name = "TxRevertedError";
  readonly code = "TxReverted";
  readonly reason: string | undefined;
  readonly txHash: Hex | undefined;
  constructor(message: string, { reason, txHash, cause }: { reason?: string; txHash?: Hex; cause?: unknown } = {}) {
    super(message, { cause });
    this.reason = reason;
    this.txHash = txHash;
  }
}

/** The custom error name of a viem contract error, e.g. "ServerContractAlreadyRegistered". */
export function revertReason(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return revert instanceof ContractFunctionRevertedError ? (revert.data?.errorName ?? revert.reason) : undefined;
}

export type TxSender = ReturnType<typeof createTxSender>;

/**
 * Sends the owner's contract transactions one at a time: each is simulated (so a revert surfaces
 * with its custom error before any gas is spent), signed with the nonce the node reports as
 * pending, and handed to the node before the next one starts, so concurrent requests never reuse a
 * nonce. Waiting for the receipt happens outside the queue.
 */
export function createTxSender({ chain, address, log }: { chain: ChainConnection; address: Address; log: Logger }) {
  let queue: Promise<unknown> = Promise.resolve();

  const submit = async <name extends WriteName>({ functionName, args, value }: SendParameters<name>): Promise<Hex> => {
    try {
      const { request } = await chain.publicClient.simulateContract({
        address,
        abi: serverContractAbi,
        functionName,
        args,
        value,
        account: chain.owner,
      } as never);
      return await chain.ownerWallet.writeContract(request as never);
    } catch (error) {
      const reason = revertReason(error);
      if (reason !== undefined) throw new TxRevertedError(`${functionName} would revert: ${reason}`, { reason, cause: error });
      throw error;
    }
  };

  return {
    /** Sends and waits for inclusion; throws TxRevertedError when the contract refuses. */
    async send<name extends WriteName>(parameters: SendParameters<name>): Promise<{ txHash: Hex; receipt: TransactionReceipt }> {
      const txHash = await this.submit(parameters);
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 300_000 });
      if (receipt.status !== "success") {
        throw new TxRevertedError(`${parameters.functionName} reverted in ${txHash}`, { txHash });
      }
      log.info({ functionName: parameters.functionName, txHash, block: Number(receipt.blockNumber) }, "transaction mined");
      return { txHash, receipt };
    },
    /** Hands the transaction to the node (in queue order) and returns its hash without waiting. */
    submit<name extends WriteName>(parameters: SendParameters<name>): Promise<Hex> {
      const result = queue.then(() => submit(parameters));
      queue = result.catch(() => {});
      return result;
    },
  };
}
