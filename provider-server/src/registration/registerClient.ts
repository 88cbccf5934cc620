import { serverContractAbi } from "@pekanu/protocol";
import { type Address, formatEther, type Hex, isAddressEqual } from "viem";
import { ApiError } from "../ApiError.ts";
import { TxRevertedError } from "../chain/createTxSender.ts";
import type { ServerContext } from "../context.ts";

/** Gas of one `pay` with margin (about 66k measured): part of the "auto" minimum balance. */
const PAY_GAS = 100_000n;

/**
 * Open policy: an address must hold what one order costs it (the lowest price plus the gas of a
 * payment) before the owner spends gas registering it. A stranger with fresh keys gets nothing;
 * to register many addresses someone has to fund each of them, and every funding transfer costs
 * them at least 21,000 gas, about what the owner's share of a batched registration costs (see
 * README "Registration under the open policy").
 */
async function requireStake({ ctx, address }: { ctx: ServerContext; address: Address }): Promise<void> {
  let balance: bigint;
  let required: bigint;
  try {
    const configured = ctx.config.registrationMinBalance;
    [balance, required] = await Promise.all([
      ctx.chain.publicClient.getBalance({ address }),
      configured === "auto" ? ctx.chain.publicClient.getGasPrice().then((gasPrice) => ctx.config.pricing.minPrice + PAY_GAS * gasPrice) : configured,
    ]);
  } catch (error) {
    throw new ApiError("ChainUnavailable", "cannot reach the chain to check the balance", { cause: error });
  }
  if (balance < required) {
    throw new ApiError(
      "RegistrationRefused",
      `this provider registers addresses that can pay for an order: hold at least ${formatEther(required)} ETH (you hold ${formatEther(balance)} ETH)`,
    );
  }
}

export type RegistrationResult = { alreadyRegistered: boolean; txHash: Hex | null };

/**
 * Seed steps 2–3: authorises `address` on chain under the registration policy (open: only an
 * address holding what an order costs; batched with other registrations). Idempotent: an
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
  const known = async () => ({ alreadyRegistered: true, txHash: (await ctx.store.clients.get(address))?.txHash ?? null });
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
    if (!(await ctx.store.invites.consume({ code: inviteCode, address, now }))) {
      throw new ApiError("RegistrationRefused", "unknown or already used invite code");
    }
    consumedInvite = inviteCode;
  }

  if (policy === "open") await requireStake({ ctx, address });

  try {
    const { txHash, blockNumber } = await ctx.registrations.register(address);
    await ctx.store.clients.record({ address, registered: true, txHash, blockNumber, now });
    ctx.log.info({ address, txHash }, "client registered");
    return { alreadyRegistered: false, txHash };
  } catch (error) {
    if (error instanceof TxRevertedError && error.reason === "ServerContractAlreadyRegistered") {
      if (consumedInvite) await ctx.store.invites.release({ code: consumedInvite, address });
      return known();
    }
    if (consumedInvite) await ctx.store.invites.release({ code: consumedInvite, address });
    if (error instanceof TxRevertedError) throw new ApiError("Internal", `registration transaction refused: ${error.reason ?? "reverted"}`, { cause: error });
    throw new ApiError("ChainUnavailable", "could not send the registration transaction", { cause: error });
  }
}
