import type { serverContractAbi } from "@pekanu/protocol";
import type { Address, Hex, Log } from "viem";
import type { ParseEventLogsReturnType } from "viem";
import type { Store } from "../store/createStore.ts";

export type ContractEvent = ParseEventLogsReturnType<typeof serverContractAbi>[number];

/** Key under which the follower keeps the last block whose events are fully applied. */
export const LAST_BLOCK_KEY = "lastProcessedBlock";

/**
 * Applies the events of blocks (…, toBlock] and records toBlock as processed, all in ONE database
 * transaction: after a crash either both the effects and the new position are stored or neither,
 * so a restart never misses an event nor applies one twice. Events already recorded (same block
 * and log index) are skipped as a second line of defence.
 */
export async function applyChainEvents({
  store,
  events,
  toBlock,
  now,
}: {
  store: Store;
  events: readonly ContractEvent[];
  toBlock: number;
  now: number;
}): Promise<{ applied: number; tasksAdded: number; signerRotatedTo: Address | undefined }> {
  return store.transaction(async (tx) => {
    let applied = 0;
    let tasksAdded = 0;
    let signerRotatedTo: Address | undefined;
    for (const event of events) {
      const args = event.args as Record<string, unknown>;
      const orderId = typeof args.orderId === "string" ? (args.orderId.toLowerCase() as Hex) : null;
      const blockNumber = Number(event.blockNumber);
      const logIndex = Number(event.logIndex);
      const fresh = await tx.chainEvents.add({
        blockNumber,
        logIndex,
        txHash: event.transactionHash as Hex,
        name: event.eventName,
        orderId,
        args,
      });
      if (!fresh) continue;
      applied++;
      const order = orderId === null ? undefined : await tx.orders.get(orderId);
      const trigger = `${blockNumber}:${logIndex}`;
      switch (event.eventName) {
        case "ClientRegistered":
        case "ClientDeregistered":
          await tx.clients.record({
            address: event.args.client as Address,
            registered: event.eventName === "ClientRegistered",
            txHash: event.eventName === "ClientRegistered" ? (event.transactionHash as Hex) : null,
            blockNumber: event.eventName === "ClientRegistered" ? blockNumber : null,
            now,
          });
          break;
        case "SignerRotated":
          signerRotatedTo = event.args.newSigner;
          break;
        case "OrderPaid":
          if (order) {
            await tx.orders.setPayment({ orderId: order.orderId, txHash: event.transactionHash as Hex, blockNumber });
            await tx.orders.setChainState({ orderId: order.orderId, state: "Paid" });
          }
          break;
        case "OrderSettled":
          if (order) {
            await tx.orders.markSettled(order.orderId);
            await tx.orders.setChainState({ orderId: order.orderId, state: "Settled" });
          }
          break;
        case "DeliveryDisputed":
          if (order) {
            await tx.orders.setChainState({ orderId: order.orderId, state: "DeliveryDisputed" });
            if (await tx.tasks.add({ kind: "answerDeliveryDispute", orderId: order.orderId, trigger, now, deadline: deadlineOf(args) })) tasksAdded++;
          }
          break;
        case "ReceiptPublished":
          if (order) await tx.orders.setChainState({ orderId: order.orderId, state: "Paid" });
          break;
        case "OrderRefunded":
          if (order) await tx.orders.setChainState({ orderId: order.orderId, state: "Refunded" });
          break;
        case "StorageChallenged":
          if (order) {
            await tx.orders.setChainState({ orderId: order.orderId, state: "Challenged" });
            if (await tx.tasks.add({ kind: "answerStorageChallenge", orderId: order.orderId, trigger, now, deadline: deadlineOf(args) })) tasksAdded++;
          }
          break;
        case "StorageProven":
          if (order) await tx.orders.setChainState({ orderId: order.orderId, state: order.settled ? "Settled" : "Paid" });
          break;
        case "PenaltyClaimed":
          if (order) await tx.orders.setChainState({ orderId: order.orderId, state: "Penalized" });
          break;
        case "OrderReleased":
          if (order) await tx.orders.setChainState({ orderId: order.orderId, state: "Completed" });
          break;
        default:
          // Stake, withdrawal and ownership events are only recorded (status page).
          break;
      }
    }
    await tx.meta.set(LAST_BLOCK_KEY, String(toBlock));
    return { applied, tasksAdded, signerRotatedTo };
  });
}

/** The answer's deadline an event carries (chain time), if it does. */
function deadlineOf(args: Record<string, unknown>): number | null {
  return typeof args.deadline === "bigint" ? Number(args.deadline) : null;
}

export type { Log };
