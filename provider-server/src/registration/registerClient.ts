import { serverContractAbi } from "@pekanu/protocol";
import { type Address, type Hex, isAddressEqual } from "viem";
import { ApiError } from "../ApiError.ts";
import { TxRevertedError } from "../chain/createTxSender.ts";
import type { ServerContext } from "../context.ts";

export type RegistrationResult = { alreadyRegistered: boolean; txHash: Hex | null };

/**
 * Seed steps 2–3: authorises `address` on chain under the registration policy. Idempotent: an
 * address that is already registered gets `alreadyRegistered` and the original transaction hash
 * when the server knows it. Concurrent requests for one address share one transaction.
 */
export async function registerClient({
  ctx,
  address,
  inviteCode,
}: {
  ctx: ServerContext;
  address: Address;
  inviteCode?: string | undefined;
}): Promise<RegistrationResult> {
  const pending = ctx.pendingRegistrations.get(address);
  if (pending) {
    await pending.catch(() => {});
  }
  const work = register({ ctx, address, inviteCode });
  ctx.pendingRegistrations.set(address, work);
  try {
    return await work;
  } finally {
    if (ctx.pendingRegistrations.get(address) === work) ctx.pendingRegistrations.delete(address);
  }
}

async function register({ ctx, address, inviteCode }: { ctx: ServerContext; address: Address; inviteCode?: string | undefined }): Promise<RegistrationResult> {
  const known = () => ({ alreadyRegistered: true, txHash: ctx.store.clients.get(address)?.txHash ?? null });
  let registered: boolean;
  try {
    registered = await ctx.chain.publicClient.readContract({
      address: ctx.deployment.address,
      abi: serverContractAbi,
      functionName: "isRegistered",
      args: [address],
    });
  } catch (error) {
    throw new ApiError("ChainUnavailable", "cannot reach the chain to check the registration", { cause: error });
  }
  if (registered) return known();

  const { policy, allowlist } = ctx.config.registration;
  const now = Math.floor(Date.now() / 1000);
  let consumedInvite: string | undefined;
  if (policy === "allowlist" && !allowlist.some((a) => isAddressEqual(a, address))) {
    throw new ApiError("RegistrationRefused", "this provider only registers addresses on its allowlist");
  }
  if (policy === "invite") {
    if (!inviteCode) throw new ApiError("RegistrationRefused", "this provider registers by invitation: an invite code is required");
    // Consumed before the transaction so two clients cannot both register with one code; given
    // back if the transaction fails.
    if (!ctx.store.invites.consume({ code: inviteCode, address, now })) {
      throw new ApiError("RegistrationRefused", "unknown or already used invite code");
    }
    consumedInvite = inviteCode;
  }

  try {
    const { txHash, receipt } = await ctx.txSender.send({ functionName: "registerClient", args: [address] });
    ctx.store.clients.record({ address, registered: true, txHash, blockNumber: Number(receipt.blockNumber), now });
    ctx.log.info({ address, txHash }, "client registered");
    return { alreadyRegistered: false, txHash };
  } catch (error) {
    if (error instanceof TxRevertedError && error.reason === "ServerContractAlreadyRegistered") {
      if (consumedInvite) ctx.store.invites.release({ code: consumedInvite, address });
      return known();
    }
    if (consumedInvite) ctx.store.invites.release({ code: consumedInvite, address });
    if (error instanceof TxRevertedError) throw new ApiError("Internal", `registration transaction refused: ${error.reason ?? "reverted"}`, { cause: error });
    throw new ApiError("ChainUnavailable", "could not send the registration transaction", { cause: error });
  }
}
