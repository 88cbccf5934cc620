import type { PekanuDomain } from "@pekanu/protocol";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { BlobStore } from "./blobs/BlobStore.ts";
import type { ChainConnection } from "./chain/connectChain.ts";
import type { EventFollower } from "./chain/createEventFollower.ts";
import type { TxSender } from "./chain/createTxSender.ts";
import type { ContractInfo } from "./chain/readContractInfo.ts";
import type { ProviderConfig } from "./config.ts";
import type { TaskRunner } from "./disputes/createTaskRunner.ts";
import type { EarningsCollector } from "./earnings/createEarningsCollector.ts";
import type { Store } from "./store/createStore.ts";
import type { Deployment } from "./store/deploymentStore.ts";

/** Everything a request handler or background job needs, built once by createProviderServer. */
export type ServerContext = {
  config: ProviderConfig;
  log: Logger;
  store: Store;
  blobs: BlobStore;
  chain: ChainConnection;
  deployment: Deployment;
  /** Owner, params, and the signer the contract currently names (kept current from SignerRotated). */
  contract: ContractInfo;
  /** Blocks on top of a payment before it counts. */
  confirmations: number;
  domain: PekanuDomain;
  txSender: TxSender;
  follower: EventFollower;
  tasks: TaskRunner;
  /** Settles and releases orders whose time has come (the provider's earnings). */
  collector: EarningsCollector;
  /** Orders with an upload or proof being processed right now (one at a time per order). */
  busyOrders: Set<Hex>;
  /** Registrations being sent, per address, so a double click sends one transaction. */
  pendingRegistrations: Map<Address, Promise<unknown>>;
  version: string;
};
