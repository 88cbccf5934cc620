import { serverContractAbi } from "@pekanu/protocol";
import { type Address, getAbiItem, type Hex } from "viem";
import type { OrderRecord } from "../store/orderStore.ts";
import type { ChainConnection } from "./connectChain.ts";

export type PaymentView = {
  txHash: Hex;
  blockNumber: number;
  confirmations: number;
  requiredConfirmations: number;
  confirmed: boolean;
};

const orderPaid = getAbiItem({ abi: serverContractAbi, name: "OrderPaid" });

/**
 * The order's payment with its current confirmations (seed steps 10–11). Uses the payment the
 * event follower recorded; if there is none yet, looks for the OrderPaid log directly (from the
 * block the quote was made in), so a client sees its payment before it is confirmed.
 */
export async function lookupPayment({
  chain,
  address,
  order,
  requiredConfirmations,
}: {
  chain: ChainConnection;
  address: Address;
  order: OrderRecord;
  requiredConfirmations: number;
}): Promise<PaymentView | null> {
  const head = Number(await chain.publicClient.getBlockNumber());
  let txHash = order.paidTx;
  let blockNumber = order.paidBlock;
  if (txHash === null || blockNumber === null) {
    const logs = await chain.publicClient.getLogs({
      address,
      event: orderPaid,
      args: { orderId: order.orderId },
      fromBlock: BigInt(order.quotedBlock),
      toBlock: BigInt(head),
    });
    const log = logs[0];
    if (!log || log.blockNumber === null || log.transactionHash === null) return null;
    txHash = log.transactionHash;
    blockNumber = Number(log.blockNumber);
  }
  const confirmations = Math.max(0, head - blockNumber + 1);
  return { txHash, blockNumber, confirmations, requiredConfirmations, confirmed: confirmations >= requiredConfirmations };
}
