import { type Chain, createPublicClient, createWalletClient, defineChain, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError } from "../ConfigError.ts";

export type ChainConnection = Awaited<ReturnType<typeof connectChain>>;

/**
 * Connects to the RPC and builds the viem clients: a public client for reads and logs, and the
 * owner's wallet client for every transaction the server sends. The chain id comes from the RPC
 * (and must match `expectedChainId` when one is configured).
 */
export async function connectChain({
  rpcUrl,
  ownerKey,
  signerKey,
  expectedChainId,
}: {
  rpcUrl: string;
  ownerKey: Hex;
  signerKey: Hex;
  expectedChainId?: number | undefined;
}) {
  const transport = http(rpcUrl, { timeout: 20_000, retryCount: 1 });
  const chainId = await createPublicClient({ transport }).getChainId();
  if (expectedChainId !== undefined && chainId !== expectedChainId) {
    throw new ConfigError(`the RPC at ${rpcUrl} serves chain ${chainId}, not the configured chain ${expectedChainId}`);
  }
  const chain: Chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  // cacheTime 0: a cached block number would hide a payment mined a moment ago.
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250, cacheTime: 0 });
  const owner = privateKeyToAccount(ownerKey);
  const signer = privateKeyToAccount(signerKey);
  const ownerWallet = createWalletClient({ chain, transport, account: owner });
  return { chainId, chain, publicClient, ownerWallet, owner, signer };
}
