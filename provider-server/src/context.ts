import type { PekanuDomain } from "@pekanu/protocol";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { BlobStore } from "./blobs/BlobStore.ts";
import type { ComputeContext } from "./compute/ComputeContext.ts";
import type { ChainConnection } from "./chain/connectChain.ts";
import type { EventFollower } from "./chain/createEventFollower.ts";
import type { TxSender } from "./chain/createTxSender.ts";
import type { ContractInfo } from "./chain/readContractInfo.ts";
import type { ProviderConfig } from "./config.ts";
import type { TaskRunner } from "./disputes/createTaskRunner.ts";
import type { EarningsCollector } from "./earnings/createEarningsCollector.ts";
import type { SiweDomains } from "./auth/siweDomains.ts";
import type { RegistrationBatcher } from "./registration/createRegistrationBatcher.ts";
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
  /**
   * Orders with an upload or ownership proof being received right now (one at a time per order).
   * An entry lives only while its request does: the request ends, fails, or is cut by the body
   * timeouts (idle socket, minimum upload rate, request timeout). `abort` cuts it at once (the
   * connection is closed, nothing is kept, no σ is issued). σ is only ever signed after the chain
   * was read and said the order is Paid, DeliveryDisputed or Settled (issueReceipt), so a refund
   * mined before that point can never be followed by a σ.
   */
  busyOrders: Map<Hex, InFlightUpload>;
  /** Registrations being sent, per address, so a double click sends one transaction. */
  pendingRegistrations: Map<Address, Promise<unknown>>;
  /** Accepted SIWE domains (this server's host, extension ids). */
  siweDomains: SiweDomains;
  /** HMAC key of the stateless sign-in nonces (kept in the database's meta table). */
  nonceKey: Uint8Array;
  /** Open-policy registrations, batched into one registerClients transaction at a time. */
  registrations: RegistrationBatcher;
  version: string;
  /** Compute jobs (--compute-contract), or null when this server runs none. */
  compute: ComputeContext | null;
};

/** An upload (or ownership proof) in progress for an order. */
export type InFlightUpload = {
  /** Wall-clock ms when it started. */
  startedAt: number;
  /** Ends it now: the request's stream fails, its connection closes, nothing is stored. */
  abort(reason: string): void;
};
