import type { ComputeDomain } from "@pekanu/protocol/compute";
import type { Address } from "viem";
import type { ComputeFollower } from "./createComputeFollower.ts";
import type { JobQueue } from "./createJobQueue.ts";

/** Compute jobs' part of the server context (null when the server runs no compute). */
export type ComputeContext = {
  address: Address;
  deployBlock: number;
  domain: ComputeDomain;
  /** The signer ComputeContract names (kept current from its SignerRotated events). */
  signer: Address;
  params: { verifyWindow: bigint; responseWindow: bigint; challengeCooldown: bigint; challengeBond: bigint };
  follower: ComputeFollower;
  queue: JobQueue;
  /** Test only: results get one entry flipped. */
  flipResult: boolean;
};
