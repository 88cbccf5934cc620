import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { TxSender } from "../chain/createTxSender.ts";

export type RegistrationBatcher = ReturnType<typeof createRegistrationBatcher>;

type Waiting = { address: Address; resolve: (value: { txHash: Hex; blockNumber: number }) => void; reject: (error: unknown) => void };

/**
 * Sends registrations as `registerClients(address[])`, one transaction at a time: addresses that
 * arrive while a registration transaction is on its way wait for the next one, so however many
 * sign-ups come in, the owner sends at most one registration transaction per mined transaction
 * (about one per block) and pays the 21,000 gas base once per batch, not per address. The
 * contract skips addresses already registered, so a retried batch is harmless.
 */
export function createRegistrationBatcher({ txSender, log, maxBatch = 200 }: { txSender: TxSender; log: Logger; maxBatch?: number }) {
  let waiting: Waiting[] = [];
  let running = false;
  let batches = 0;

  async function drain() {
    if (running) return;
    running = true;
    try {
      while (waiting.length > 0) {
        const batch = waiting.slice(0, maxBatch);
        waiting = waiting.slice(maxBatch);
        const addresses = [...new Set(batch.map((w) => w.address))];
        try {
          const { txHash, receipt } = await txSender.send({ functionName: "registerClients", args: [addresses] });
          batches++;
          log.info({ txHash, clients: addresses.length, gasUsed: receipt.gasUsed.toString() }, "registration batch mined");
          for (const w of batch) w.resolve({ txHash, blockNumber: Number(receipt.blockNumber) });
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      running = false;
    }
  }

  return {
    /** Registers `address` in the next batch; resolves with that batch's transaction once mined. */
    register(address: Address): Promise<{ txHash: Hex; blockNumber: number }> {
      const done = new Promise<{ txHash: Hex; blockNumber: number }>((resolve, reject) => waiting.push({ address, resolve, reject }));
      void drain();
      return done;
    },
    /** Registration transactions sent since start (tests, status). */
    get batches() {
      return batches;
    },
  };
}
