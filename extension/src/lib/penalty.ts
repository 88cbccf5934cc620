// Seed step 14, as advice: given an order's on-chain view, which penalty actions are possible now,
// and what happens next and when. Pure, so the UI's words are tested.
import { formatDuration, formatEth } from "./format.ts";
import type { ChainView, VaultRecord } from "./vault/schema.ts";

export type PenaltyAdvice = {
  canDispute: boolean;
  canChallenge: boolean;
  canClaim: boolean;
  /** Seconds (unix) until which the provider may still answer; null when nothing is open. */
  deadline: number | null;
  /** What the person should know now, most important first. */
  explain: string[];
  /** Wei credited by claimPenalty now (price if unsettled + fine + bond if challenged). */
  claimable: bigint | null;
};

/**
 * "Now" in chain time (unix seconds): the latest block's timestamp when the order was read, plus
 * the time elapsed since on this computer. The contract compares its deadlines with
 * block.timestamp, not with the local clock (a skewed clock, or a local chain moved forward with
 * evm_increaseTime, would otherwise offer a claim too early or refuse it too long).
 */
export function chainNowSec(chain: ChainView | null, nowMs: number): number {
  if (!chain?.blockTime) return Math.floor(nowMs / 1000);
  return chain.blockTime + Math.max(0, Math.floor((nowMs - chain.readAt) / 1000));
}

const hasValidSigma = (r: VaultRecord) => r.signature !== null && r.verification.status !== "invalid";

export function penaltyAdvice(record: VaultRecord, chain: ChainView | null, nowSec: number): PenaltyAdvice {
  const price = BigInt(record.quote.price);
  const fine = BigInt(record.quote.fine);
  const storageUntil = Number(record.quote.storageUntil);
  const params = chain?.params;
  const window = params ? formatDuration(params.responseWindow) : "the response window";
  const bond = params ? BigInt(params.challengeBond) : null;
  const advice: PenaltyAdvice = { canDispute: false, canChallenge: false, canClaim: false, deadline: null, explain: [], claimable: null };
  if (!chain) {
    advice.explain.push("Read the order's state on chain to see which actions are possible.");
    return advice;
  }
  switch (chain.state) {
    case "None":
      advice.explain.push("The contract has no such order: the payment was never mined (or it is on another contract).");
      break;
    case "Paid":
    case "Settled": {
      const settled = chain.state === "Settled" || chain.settled;
      const delivered = chain.delivered === true;
      if (!settled && !hasValidSigma(record) && !delivered) {
        advice.canDispute = true;
        advice.explain.push(
          `No valid receipt σ: you can dispute the delivery. The provider then has ${window} to publish σ on chain or refund you; if it stays silent you can claim the price (${formatEth(price)} ETH) plus the fine (${formatEth(fine)} ETH).`,
        );
      }
      if (delivered && !hasValidSigma(record)) {
        advice.explain.push("The provider's signed receipt for this file is on chain, so a delivery dispute is over; a storage challenge needs no receipt from you.");
      }
      if ((hasValidSigma(record) || delivered) && nowSec < storageUntil) {
        const cooldownEnds = params && chain.lastChallengeAt ? chain.lastChallengeAt + Number(params.challengeCooldown) : 0;
        if (cooldownEnds > nowSec) {
          advice.explain.push(`You can challenge the storage again after ${new Date(cooldownEnds * 1000).toLocaleString()} (cooldown).`);
        } else {
          advice.canChallenge = true;
          advice.explain.push(
            `Challenge the storage: you deposit a bond of ${bond !== null ? `${formatEth(bond)} ETH` : "the contract's bond"}; you name a chunk (the one a free audit found missing, or one not yet revealed) and the provider has ${window} to answer with it and its Merkle proof. ${chain.bondToProvider && chain.bondBack ? `If it answers correctly, about ${formatEth(BigInt(chain.bondToProvider))} ETH of the bond pays for its answer and ${formatEth(BigInt(chain.bondBack))} ETH comes back to you at once (at today's network fee);` : "A correct answer pays the provider its answer's gas out of the bond and the rest comes back to you at once;"} no answer lets you claim ${settled ? "" : `the price (${formatEth(price)} ETH) + `}the fine (${formatEth(fine)} ETH) + your bond back after the deadline.`,
          );
        }
      }
      if (chain.lastChallengeAt > 0) {
        advice.explain.unshift(
          `The provider answered your last storage challenge (${new Date(chain.lastChallengeAt * 1000).toLocaleString()}) with chunk #${chain.chunkIndex} and a valid proof: it still stores the file, and your bond paid its gas (the rest came back to you).`,
        );
      }
      if (nowSec >= storageUntil) advice.explain.push("The storage period is over: no more challenges; the order can be completed.");
      if (!advice.canDispute && !advice.canChallenge && nowSec < storageUntil && !(chain.lastChallengeAt > 0)) {
        advice.explain.push("Nothing to do: the order is running normally. Audit it for free from time to time.");
      }
      break;
    }
    case "DeliveryDisputed":
    case "Challenged": {
      advice.deadline = chain.deadline;
      const what = chain.state === "Challenged" ? `answer the challenge on chunk #${chain.chunkIndex} with its proof` : "publish σ on chain or refund you";
      if (nowSec > chain.deadline) {
        advice.canClaim = true;
        let amount = fine;
        if (!chain.settled) amount += price;
        // v2: only the part of the bond held for the provider's answer is still in the contract.
        if (chain.state === "Challenged") {
          if (chain.bondHeld !== undefined) amount += BigInt(chain.bondHeld);
          else if (bond !== null) amount += bond;
        }
        advice.claimable = amount;
        advice.explain.push(
          `The provider did not ${what} before the deadline. Claim the penalty: ${formatEth(amount)} ETH is credited to you on the contract, then withdraw it.`,
        );
      } else {
        advice.explain.push(
          `The provider has until ${new Date(chain.deadline * 1000).toLocaleString()} (in ${formatDuration(chain.deadline - nowSec)}) to ${what}. If it stays silent, come back after that time to claim the penalty.`,
        );
      }
      break;
    }
    case "Refunded":
      advice.explain.push("The provider refunded the price: it is credited to you on the contract. Withdraw it from the Credits section.");
      break;
    case "Penalized":
      advice.explain.push("Penalty claimed: the amount is credited to you on the contract. Withdraw it from the Credits section.");
      break;
    case "Completed":
      advice.explain.push("The storage period ended and the order is complete.");
      break;
  }
  return advice;
}
