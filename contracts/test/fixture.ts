// Shared setup for the contract tests: a fresh EDR chain per fixture, the provider (owner = account
// 0, signer = account 1), clients, a stranger, and helpers that build and sign protocol messages
// with the shared definitions from @pekanu/protocol.
import { network } from "hardhat";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import {
  type ContractParams,
  type PekanuDomain,
  type Quote,
  localDevParams,
  quoteTypedData,
  receiptFor,
  receiptTypedData,
} from "@pekanu/protocol";

/**
 * Parameters of the lifecycle tests (orders, stake, registration): short windows, a bond far below
 * any answer's gas cost (so an answer always earns the provider the whole bond, whatever the base
 * fee: amounts stay exact), and fine bounds wide enough not to interfere. The v2 rules (fine bounds,
 * lock limit, bond split) are tested with `v2Params`.
 */
export const testParams: ContractParams = {
  ...localDevParams,
  settleDelay: 100n,
  responseWindow: 50n,
  challengeCooldown: 20n,
  challengeBond: 1_000n,
  maxChallengeChunks: 4n,
  bondMarginPercent: 200n,
  minFine: 0n,
  maxFine: parseEther("1000000"),
  maxFineMultiple: 1_000_000n,
  fineLockLimit: parseEther("1000000"),
  fineLockPeriod: 3_600n,
};

/** Realistic v2 money rules, scaled for the tests' 10 ETH stake. */
export const v2Params: ContractParams = {
  ...testParams,
  challengeBond: parseEther("0.01"),
  bondMarginPercent: 200n,
  minFine: parseEther("0.02"),
  maxFine: parseEther("2"),
  maxFineMultiple: 4n,
  fineLockLimit: parseEther("5"),
  fineLockPeriod: 3_600n,
};

export const INITIAL_STAKE = parseEther("10");

export async function deployFixture(options: { stake?: bigint; params?: ContractParams; sameTimestampBlocks?: boolean } = {}) {
  const connection = options.sameTimestampBlocks
    ? await network.create({ override: { allowBlocksWithSameTimestamp: true } })
    : await network.create();
  const { viem, networkHelpers } = connection;
  const [owner, signer, alice, bob, stranger, newSigner] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const params = options.params ?? testParams;
  const contract = await viem.deployContract("ServerContract", [signer.account.address, params], {
    client: { wallet: owner },
    value: options.stake ?? INITIAL_STAKE,
  });
  const chainId = await publicClient.getChainId();
  const domain: PekanuDomain = { chainId, verifyingContract: contract.address };
  let nonce = 0;

  async function now(): Promise<bigint> {
    return BigInt(await networkHelpers.time.latest());
  }

  async function makeQuote(overrides: Partial<Quote> & { client: Address }): Promise<Quote> {
    const t = await now();
    nonce += 1;
    return {
      orderId: keccak256(toHex(`order-${nonce}-${Math.random()}`)),
      fileRoot: keccak256(toHex(`file-${nonce}`)),
      size: 4096n,
      price: parseEther("0.1"),
      fine: parseEther("0.5"),
      storageUntil: t + 10_000n,
      expiresAt: t + 600n,
      ...overrides,
    };
  }

  async function signQuote(quote: Quote, by = signer, dom: PekanuDomain = domain): Promise<Hex> {
    return by.signTypedData({ account: by.account, ...quoteTypedData({ domain: dom, quote }) });
  }

  async function signReceipt(quote: Quote, link: string, by = signer, dom: PekanuDomain = domain): Promise<Hex> {
    return by.signTypedData({ account: by.account, ...receiptTypedData({ domain: dom, receipt: receiptFor({ quote, link }) }) });
  }

  /** Registers `client`, signs a quote for it and pays it; returns the quote. */
  async function paidOrder(client = alice, overrides: Partial<Quote> = {}): Promise<Quote> {
    if (!(await contract.read.isRegistered([client.account.address]))) {
      await contract.write.registerClient([client.account.address], { account: owner.account });
    }
    const quote = await makeQuote({ client: client.account.address, ...overrides });
    const sig = await signQuote(quote);
    await contract.write.pay([quote, sig], { account: client.account, value: quote.price });
    return quote;
  }

  return {
    connection,
    viem,
    networkHelpers,
    publicClient,
    contract,
    params,
    domain,
    chainId,
    owner,
    signer,
    alice,
    bob,
    stranger,
    newSigner,
    now,
    makeQuote,
    signQuote,
    signReceipt,
    paidOrder,
  };
}

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;
