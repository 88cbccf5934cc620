import { type QuoteResponse, serverContractAbi } from "@pekanu/protocol";
import type { Address, Hex } from "viem";
import type { chainClients } from "./chainClients.ts";

/** Seed step 9: the client pays the quote on chain (exact value), returning the mined receipt. */
export async function payQuote({
  clients,
  contract,
  quote,
}: {
  clients: ReturnType<typeof chainClients>;
  contract: Address;
  quote: QuoteResponse;
}): Promise<{ txHash: Hex; blockNumber: number }> {
  const txHash = await clients.walletClient.writeContract({
    address: contract,
    abi: serverContractAbi,
    functionName: "pay",
    args: [quote.quote, quote.signature],
    value: quote.quote.price,
  });
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`pay reverted: ${txHash}`);
  return { txHash, blockNumber: Number(receipt.blockNumber) };
}
