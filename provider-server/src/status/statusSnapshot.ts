import { serverContractAbi } from "@pekanu/protocol";
import { formatEther } from "viem";
import type { ServerContext } from "../context.ts";

export type StatusSnapshot = Awaited<ReturnType<typeof statusSnapshot>>;

/**
 * What the operator sees on GET / and GET /v1/status: contract, chain, signer, stake, orders by
 * state, earnings, open disputes, recent events and tasks. Public facts only: no keys, no tokens, no
 * invite codes, no client data beyond what the chain already shows.
 */
export async function statusSnapshot({ ctx }: { ctx: ServerContext }) {
  const follower = ctx.follower.status();
  let stake: { total: string; locked: string; free: string; totalEth: string; freeEth: string } | null = null;
  let withdrawable: string | null = null;
  let chainReachable = true;
  try {
    const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
    const [[total, locked], earned] = await Promise.all([
      ctx.chain.publicClient.readContract({ ...contract, functionName: "stake" }),
      ctx.chain.publicClient.readContract({ ...contract, functionName: "withdrawable", args: [ctx.contract.owner] }),
    ]);
    stake = {
      total: total.toString(),
      locked: locked.toString(),
      free: (total - locked).toString(),
      totalEth: formatEther(total),
      freeEth: formatEther(total - locked),
    };
    withdrawable = earned.toString();
  } catch {
    chainReachable = false;
  }
  const collector = ctx.collector.status();
  const openTasks = await ctx.store.tasks.open();
  return {
    version: ctx.version,
    chain: {
      chainId: ctx.chain.chainId,
      reachable: chainReachable && follower.healthy,
      headBlock: follower.headBlock,
      lastProcessedBlock: follower.lastProcessedBlock,
      confirmations: ctx.confirmations,
      lastError: follower.lastError,
    },
    contract: {
      address: ctx.deployment.address,
      deployBlock: ctx.deployment.deployBlock,
      deployedByThisServer: ctx.deployment.deployedByUs,
      owner: ctx.contract.owner,
      signer: ctx.contract.signer,
      serverSigner: ctx.chain.signer.address,
      signerMatches: ctx.contract.signer.toLowerCase() === ctx.chain.signer.address.toLowerCase(),
      params: {
        settleDelay: ctx.contract.params.settleDelay.toString(),
        responseWindow: ctx.contract.params.responseWindow.toString(),
        challengeCooldown: ctx.contract.params.challengeCooldown.toString(),
        challengeBond: ctx.contract.params.challengeBond.toString(),
      },
    },
    stake,
    registration: { policy: ctx.config.registration.policy, registeredClients: await ctx.store.clients.registeredCount() },
    orders: await ctx.store.orders.counts(),
    earnings: {
      /** Settled prices, bonds and withdrawn stake the owner can withdraw now (wei). */
      withdrawable,
      withdrawableEth: withdrawable === null ? null : formatEther(BigInt(withdrawable)),
      collector: {
        enabled: collector.enabled,
        lastRunAt: collector.lastRunAt,
        lastError: collector.lastError,
        settledSinceStart: collector.settled,
        releasedSinceStart: collector.released,
      },
    },
    files: await ctx.store.files.totals(),
    openDisputes: openTasks.map((t) => ({ kind: t.kind, orderId: t.orderId, status: t.status, attempts: t.attempts, txHash: t.txHash })),
    recentTasks: (await ctx.store.tasks.recent(20)).map((t) => ({
      kind: t.kind,
      orderId: t.orderId,
      status: t.status,
      attempts: t.attempts,
      txHash: t.txHash,
      lastError: t.lastError,
      updatedAt: t.updatedAt,
    })),
    recentEvents: (await ctx.store.chainEvents.recent(20)).map((e) => ({
      blockNumber: e.blockNumber,
      name: e.name,
      orderId: e.orderId,
      txHash: e.txHash,
    })),
  };
}
