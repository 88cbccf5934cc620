// The credits controller: what the connected provider's contract owes this account (refunds,
// penalties, returned bonds) and the withdrawal of it.
import type { Hex } from "viem";
import type { Chain } from "../services/chain.ts";
import { POLL_LIMIT_MS, TaskRunner, type BackgroundMessenger } from "../types.ts";

export type Credits = { amount: string; readAt: number } | null;

export type CreditsDeps = {
  messenger: BackgroundMessenger;
  chain: Pick<Chain, "withdrawable" | "send" | "waitForReceipt">;
  account: () => Promise<`0x${string}`>;
  now?: () => number;
};

export class CreditsController {
  private credits: Credits = null;
  private readonly tasks = new TaskRunner(() => undefined);
  private readonly now: () => number;

  constructor(private readonly deps: CreditsDeps) {
    this.now = deps.now ?? Date.now;
    deps.messenger.registerAction("credits:read", () => this.read());
    // Another provider: its credits are not these.
    deps.messenger.subscribe("session:changed", (slice) => {
      if (!slice.provider && this.credits) {
        this.credits = null;
        deps.messenger.publish("credits:changed", null);
      }
    });
  }

  get state(): Credits {
    return this.credits;
  }

  async read(): Promise<Credits> {
    const { info } = this.deps.messenger.call("session:provider");
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const account = await this.deps.account();
    const amount = await this.deps.chain.withdrawable(info.contract.address, account);
    this.credits = { amount: amount.toString(), readAt: this.now() };
    this.deps.messenger.publish("credits:changed", null);
    return this.credits;
  }

  async withdraw(): Promise<Hex> {
    const { info } = this.deps.messenger.call("session:provider");
    await this.deps.messenger.call("session:requireChain", info.chainId);
    const account = await this.deps.account();
    const txHash = await this.deps.chain.send({ contract: info.contract.address, from: account, functionName: "withdraw", args: [] });
    this.tasks.run(`withdraw:${txHash}`, async () => {
      await this.deps.chain.waitForReceipt(txHash, POLL_LIMIT_MS);
      await this.read();
    });
    return txHash;
  }
}
