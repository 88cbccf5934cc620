import { serverContractAbi } from "@pekanu/protocol";
import { type Address, createPublicClient, createWalletClient, defineChain, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export const hardhatChain = (rpcUrl: string) =>
  defineChain({
    id: 31337,
    name: "hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });

/** A funded test wallet (a client, or the provider's owner acting by hand) and a public client. */
export function chainClients({ rpcUrl, key }: { rpcUrl: string; key: Hex }) {
  const chain = hardhatChain(rpcUrl);
  const transport = http(rpcUrl);
  const account = privateKeyToAccount(key);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50, cacheTime: 0 });
  const walletClient = createWalletClient({ chain, transport, account });
  return { account, publicClient, walletClient };
}

/** Mines blocks and moves time on the Hardhat node. */
export function chainControl({ rpcUrl }: { rpcUrl: string }) {
  const call = async (method: string, params: unknown[] = []) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  return {
    call,
    mine: (blocks = 1) => call("hardhat_mine", [`0x${blocks.toString(16)}`]),
    increaseTime: async (seconds: number) => {
      await call("evm_increaseTime", [seconds]);
      await call("evm_mine");
    },
  };
}

/** Reads the contract as a client would (never trusting the provider's word). */
export function contractReader({ rpcUrl, address }: { rpcUrl: string; address: Address }) {
  const publicClient = createPublicClient({ chain: hardhatChain(rpcUrl), transport: http(rpcUrl) });
  const contract = { address, abi: serverContractAbi } as const;
  return {
    signer: () => publicClient.readContract({ ...contract, functionName: "signer" }),
    isRegistered: (client: Address) => publicClient.readContract({ ...contract, functionName: "isRegistered", args: [client] }),
    orderOf: (orderId: Hex) => publicClient.readContract({ ...contract, functionName: "orderOf", args: [orderId] }),
    pendingOf: (orderId: Hex) => publicClient.readContract({ ...contract, functionName: "pendingOf", args: [orderId] }),
    params: () => publicClient.readContract({ ...contract, functionName: "params" }),
    stake: () => publicClient.readContract({ ...contract, functionName: "stake" }),
  };
}
