import { type ContractParams, serverContractAbi } from "@pekanu/protocol";
import type { Address } from "viem";
import type { ChainConnection } from "./connectChain.ts";

export type ContractInfo = {
  owner: Address;
  signer: Address;
  params: ContractParams;
};

/** The contract's owner, current signer and immutable parameters. */
export async function readContractInfo({ chain, address }: { chain: ChainConnection; address: Address }): Promise<ContractInfo> {
  const contract = { address, abi: serverContractAbi } as const;
  const [owner, signer, params] = await Promise.all([
    chain.publicClient.readContract({ ...contract, functionName: "owner" }),
    chain.publicClient.readContract({ ...contract, functionName: "signer" }),
    chain.publicClient.readContract({ ...contract, functionName: "params" }),
  ]);
  return {
    owner,
    signer,
    params: {
      settleDelay: params.settleDelay,
      responseWindow: params.responseWindow,
      challengeCooldown: params.challengeCooldown,
      challengeBond: params.challengeBond,
      maxChallengeChunks: params.maxChallengeChunks,
      bondMarginPercent: params.bondMarginPercent,
      minFine: params.minFine,
      maxFine: params.maxFine,
      maxFineMultiple: params.maxFineMultiple,
      fineLockLimit: params.fineLockLimit,
      fineLockPeriod: params.fineLockPeriod,
    },
  };
}
