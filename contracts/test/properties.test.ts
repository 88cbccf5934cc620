// Model-based property tests of ServerContract on Hardhat's EDR chain.
//
// fast-check generates random sequences (5–30 actions) by the provider (owner), clients (alice,
// bob, and the stranger or the owner once registered) and the stranger: paying fresh / replayed /
// stale / badly signed quotes, settling, disputing, publishing receipts, refunding, challenging
// storage, answering challenges with valid and invalid Merkle proofs (files of 0–8 KiB, proofs from
// @pekanu/protocol/merkle), claiming penalties, releasing, withdrawing, moving stake,
// (de)registering clients, rotating the signer, small and large time jumps — every action
// sometimes by the wrong actor or with tampered terms. Two model-guided kinds drive sequences deep
// into the lifecycle: "next" (a follow-up step of some open order) and "edge" (a jump to exactly one
// side of a window boundary, then the governed action).
//
// A plain TypeScript model written from PROTOCOL.md predicts each transaction: success, or the set
// of custom errors it may revert with (one per violated precondition). The test asserts the chain
// agrees and, after every step, checks:
//   1. contract balance == escrowed prices + stake total + open bonds + all withdrawable credits,
//      and == Σ paid in − Σ withdrawn (measured from the contract's balance, not its bookkeeping);
//   2. nobody's cumulative withdrawals exceed what they paid in plus what they legitimately won,
//      and withdrawn + withdrawable == everything the model ever credited them;
//   3. every order's (state, settled, paidAt, deadline, lastChallengeAt) and isDelivered() equal the
//      model's, every observed state change is an edge of the PROTOCOL lifecycle, and stake()
//      total/locked, withdrawable(), isRegistered() and signer() equal the model.
// The model follows docs/protocol-notes.md "Deadlines are strict, disputes are not repeatable":
// publishReceipt, respondStorage and the refund of a disputed order revert TooLate(deadline) after
// the deadline; release of an unsettled order waits for storageUntil and paidAt + settleDelay
// (TooEarly with the later of the two); once σ was published or shown in a challenge the order is
// delivered and disputeDelivery reverts AlreadyDelivered(orderId). For time errors and
// AlreadyDelivered the model predicts the error arguments too.
// Two fixed sequences (fast-check `examples`) run first and take each of these paths on every run.
// Every transaction is mined at a timestamp the model chose (setNextBlockTimestamp, explicit gas so
// a revert is mined too); loadFixture resets the chain between sequences. A failing run is shrunk
// by fast-check; the error lists the executed actions with expected and actual outcomes.
//
// Environment: PEKANU_PROP_RUNS (default 200), PEKANU_PROP_SEED and PEKANU_PROP_PATH (replay a
// reported failure), PEKANU_PROP_VERBOSE=1 (print every sequence).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import { type Address, type Hex, bytesToHex, formatEther, getAddress, keccak256, parseEther, toHex, zeroAddress } from "viem";
import { type ContractParams, type Quote, OrderState, answerGas, maxFineFor, orderStateName } from "@pekanu/protocol";
import { chunkCount, fileRootOf, inclusionProof, splitChunks } from "@pekanu/protocol/merkle";
import { deployFixture, testParams, type Fixture } from "./fixture.ts";

// ───────────────────────────── configuration ─────────────────────────────

const NUM_RUNS = Number(process.env.PEKANU_PROP_RUNS ?? 200);
const SEED = process.env.PEKANU_PROP_SEED === undefined ? undefined : Number(process.env.PEKANU_PROP_SEED);
const PATH = process.env.PEKANU_PROP_PATH;
/** Explicit gas so that a reverting transaction is mined (and reverts) instead of failing estimation. */
const GAS = 1_000_000n;

// ───────────────────────────── file commitment ─────────────────────────────
// The shared RFC 6962 / RFC 9162 module (1024-byte chunks, an empty file is one empty chunk).

type FileTree = { bytes: Uint8Array; chunks: Uint8Array[]; root: Hex; proof(index: number): Hex[] };

function buildTree(bytes: Uint8Array): FileTree {
  const chunks = splitChunks(bytes);
  const proofs = new Map<number, Hex[]>();
  return {
    bytes,
    chunks,
    root: fileRootOf(bytes),
    proof(index) {
      let p = proofs.get(index);
      if (p === undefined) {
        p = inclusionProof({ chunks, index });
        proofs.set(index, p);
      }
      return p;
    },
  };
}

/** Deterministic pseudo-random file bytes (xorshift32), so a shrunk counterexample replays exactly. */
function fileBytes(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const treeCache = new Map<string, FileTree>();
function fileTree(seed: number, size: number): FileTree {
  const key = `${seed}:${size}`;
  let t = treeCache.get(key);
  if (t === undefined) {
    t = buildTree(fileBytes(seed, size));
    treeCache.set(key, t);
  }
  return t;
}

// ───────────────────────────── actions ─────────────────────────────

const ACTORS = ["owner", "alice", "bob", "stranger"] as const;
type Actor = (typeof ACTORS)[number];
/** "right" resolves to the actor the protocol expects (the order's client, the owner). */
type Who = Actor | "right";
type Target = Actor | "zero";
type SignerName = "signer" | "newSigner";
/** Who signs σ: the current signer, a named signer key, the stranger, or σ over another link. */
type ReceiptSig = "current" | SignerName | "stranger" | "wrongLink";
type PayFault =
  | "none"
  | "wrongSender" // sent by another account than quote.client
  | "expired" // expiresAt = now (the transaction is mined at now + 1)
  | "storageOver" // storageUntil = now + 1 (must be > block.timestamp)
  | "valuePlus"
  | "valueMinus"
  | "otherSigner" // signed by the signer key that is not current
  | "strangerSig"
  | "tampered" // a valid signature, but the price was changed afterwards
  | "fineOverFree"; // fine = free stake + 1
type ProofKind = "valid" | "flipByte" | "otherChunk" | "wrongSize" | "shortProof" | "longProof";
const INVALID_PROOFS: readonly ProofKind[] = ["flipByte", "otherChunk", "wrongSize", "shortProof", "longProof"];

type Action =
  | {
      kind: "pay";
      client: Actor;
      source: "fresh" | "replay" | "pooled";
      pick: number;
      expiresIn: bigint;
      storageFor: bigint;
      price: bigint;
      fine: bigint;
      size: number;
      fileSeed: number;
      /** At most one deliberate fault per payment, so that most payments are valid. */
      fault: PayFault;
    }
  | { kind: "settle"; pick: number; actor: Actor; tamper: boolean }
  | { kind: "dispute"; pick: number; actor: Who; tamper: boolean }
  | { kind: "publish"; pick: number; actor: Actor; sig: ReceiptSig; tamper: boolean }
  | { kind: "refund"; pick: number; actor: Who; tamper: boolean }
  | { kind: "challenge"; pick: number; actor: Who; sig: ReceiptSig; bond: "exact" | "zero" | "plus"; tamper: boolean; indices: number[] }
  | { kind: "settleBatch"; picks: number[]; actor: Actor }
  | { kind: "releaseBatch"; picks: number[]; actor: Actor }
  | { kind: "respond"; pick: number; actor: Actor; proof: ProofKind }
  | { kind: "claim"; pick: number; actor: Who; tamper: boolean }
  | { kind: "release"; pick: number; actor: Actor; tamper: boolean }
  | { kind: "withdraw"; actor: Who; pick: number }
  | { kind: "depositStake"; actor: Who; amount: bigint }
  | { kind: "withdrawStake"; actor: Who; amount: "zero" | "one" | "half" | "free" | "freePlus1" }
  | { kind: "register"; actor: Who; target: Target }
  | { kind: "registerMany"; actor: Who; targets: Target[] }
  | { kind: "deregister"; actor: Who; target: Target }
  | { kind: "rotateSigner"; actor: Who; to: "other" | "same" | "zero" }
  | { kind: "time"; seconds: bigint }
  /**
   * Model-guided: a next step of some open order (settle, dispute, publish σ, refund, challenge,
   * respond with a valid or an invalid proof, claim, release, withdraw) or a time jump to one of
   * its window boundaries, chosen by `pick` among the steps whose state precondition holds. Times
   * are not required to fit, so it may still revert. Drives sequences deep into the lifecycle,
   * which purely random actions rarely reach.
   */
  | { kind: "next"; pick: number }
  /**
   * Model-guided boundary probe: picks an open window of some order (settle delay, response
   * deadline, storage end, challenge cooldown), jumps so that the next transaction lands exactly on
   * the boundary second on the allowed or the denied side (if that is still ahead), and sends the
   * governed action (settle, claimPenalty, release, challengeStorage).
   */
  | { kind: "edge"; pick: number; side: "allowed" | "denied" };

function eth(v: bigint): string {
  return v === 0n ? "0" : v < 1_000_000n ? `${v}wei` : `${formatEther(v)}Ξ`;
}

function describeAction(a: Action): string {
  const t = "tamper" in a && a.tamper ? ",tampered" : "";
  switch (a.kind) {
    case "pay":
      return (
        `pay(client=${a.client},${a.source}#${a.pick},exp+${a.expiresIn},store+${a.storageFor},` +
        `price=${eth(a.price)},fine=${eth(a.fine)},size=${a.size},seed=${a.fileSeed},fault=${a.fault})`
      );
    case "settle":
    case "dispute":
    case "refund":
    case "claim":
    case "release":
      return `${a.kind}(#${a.pick},by=${a.actor}${t})`;
    case "publish":
      return `publish(#${a.pick},by=${a.actor},σ=${a.sig}${t})`;
    case "challenge":
      return `challenge(#${a.pick},by=${a.actor},σ=${a.sig},bond=${a.bond},chunks=[${a.indices}]${t})`;
    case "settleBatch":
    case "releaseBatch":
      return `${a.kind}([${a.picks}],by=${a.actor})`;
    case "respond":
      return `respond(#${a.pick},by=${a.actor},proof=${a.proof})`;
    case "withdraw":
      return `withdraw(by=${a.actor}#${a.pick})`;
    case "depositStake":
      return `depositStake(by=${a.actor},${eth(a.amount)})`;
    case "withdrawStake":
      return `withdrawStake(by=${a.actor},${a.amount})`;
    case "register":
    case "deregister":
      return `${a.kind}(by=${a.actor},${a.target})`;
    case "registerMany":
      return `registerMany(by=${a.actor},[${a.targets.join(",")}])`;
    case "rotateSigner":
      return `rotateSigner(by=${a.actor},to=${a.to})`;
    case "time":
      return `time+${a.seconds}s`;
    case "next":
      return `next#${a.pick}`;
    case "edge":
      return `edge#${a.pick}(${a.side})`;
  }
}

/** Printable in fast-check's counterexample report. */
function printable<A extends Action>(a: A): A {
  return Object.defineProperty(a, fc.toStringMethod, { value: () => describeAction(a), enumerable: false });
}

// Parameters of the deployed contract (fixture.ts testParams): settleDelay 100, responseWindow 50,
// challengeCooldown 20, challengeBond 0.01 ETH. Read back from the contract in `before`.
let SETTLE_DELAY = 100n;
let RESPONSE_WINDOW = 50n;
let COOLDOWN = 20n;
let BOND = parseEther("0.01");
let K = 4n;
let PARAMS: ContractParams = testParams;

function actionArb(): fc.Arbitrary<Action> {
  const actor = fc.constantFrom<Actor>(...ACTORS);
  const who: fc.Arbitrary<Who> = fc.oneof(
    { weight: 8, arbitrary: fc.constant<Who>("right") },
    { weight: 2, arbitrary: actor },
  );
  const target = fc.constantFrom<Target>("alice", "bob", "stranger", "owner", "zero");
  const pick = fc.nat({ max: 1 << 16 });
  const tamper = fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  const receiptSig = fc.oneof(
    { weight: 12, arbitrary: fc.constant<ReceiptSig>("current") },
    { weight: 1, arbitrary: fc.constantFrom<ReceiptSig>("signer", "newSigner", "stranger", "wrongLink") },
  );
  const timeSeconds = fc.oneof(
    { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 30n }) },
    // Exactly at and around the windows: settleDelay, responseWindow, challengeCooldown.
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        SETTLE_DELAY - 1n, SETTLE_DELAY, SETTLE_DELAY + 1n,
        RESPONSE_WINDOW - 1n, RESPONSE_WINDOW, RESPONSE_WINDOW + 1n,
        COOLDOWN - 1n, COOLDOWN,
      ),
    },
    { weight: 2, arbitrary: fc.bigInt({ min: 100n, max: 600n }) },
    // Past most storage periods (quotes store for 2..2000 s).
    { weight: 1, arbitrary: fc.bigInt({ min: 600n, max: 6000n }) },
  );
  const fault: fc.Arbitrary<PayFault> = fc.oneof(
    { weight: 20, arbitrary: fc.constant<PayFault>("none") },
    {
      weight: 6,
      arbitrary: fc.constantFrom<PayFault>(
        "wrongSender", "expired", "storageOver", "valuePlus", "valueMinus",
        "otherSigner", "strangerSig", "tampered", "fineOverFree",
      ),
    },
  );
  const pay = fc.record({
    kind: fc.constant("pay" as const),
    client: fc.constantFrom<Actor>("alice", "alice", "alice", "alice", "bob", "bob", "bob", "bob", "stranger", "owner"),
    source: fc.constantFrom("fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "fresh", "replay", "pooled") as fc.Arbitrary<
      "fresh" | "replay" | "pooled"
    >,
    pick,
    // 1 = the last second the quote is valid for (the transaction is mined at now + 1).
    expiresIn: fc.constantFrom(600n, 600n, 30n, 1n),
    // 2 = the shortest storage period pay accepts (storageUntil > block.timestamp).
    storageFor: fc.constantFrom(2000n, 2000n, 400n, 150n, 60n, 2n),
    price: fc.constantFrom(parseEther("0.1"), parseEther("0.1"), parseEther("1"), 1n, 0n),
    fine: fc.constantFrom(parseEther("0.5"), parseEther("0.5"), parseEther("2"), parseEther("4"), 0n),
    // 0–8 KiB: the empty file (one empty chunk), chunk boundaries, and odd multi-chunk sizes.
    size: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(0, 1, 1023, 1024, 1025, 2048, 3000, 4096, 5121, 7168, 8191, 8192) },
      { weight: 2, arbitrary: fc.integer({ min: 1025, max: 8192 }) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 1024 }) },
    ),
    fileSeed: fc.integer({ min: 1, max: 0x7fffffff }),
    fault,
  });
  const onOrder = <K extends "settle" | "release">(kind: K) =>
    fc.record({ kind: fc.constant(kind), pick, actor, tamper });
  const onOrderWho = <K extends "dispute" | "refund" | "claim">(kind: K) =>
    fc.record({ kind: fc.constant(kind), pick, actor: who, tamper });

  const arb: fc.Arbitrary<Action> = fc.oneof(
    { weight: 20, arbitrary: fc.record({ kind: fc.constant("next" as const), pick }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("edge" as const),
        pick,
        side: fc.constantFrom("allowed", "denied") as fc.Arbitrary<"allowed" | "denied">,
      }),
    },
    { weight: 8, arbitrary: pay },
    { weight: 3, arbitrary: onOrder("settle") },
    { weight: 4, arbitrary: onOrderWho("dispute") },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("publish" as const), pick, actor, sig: receiptSig, tamper }) },
    { weight: 2, arbitrary: onOrderWho("refund") },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("challenge" as const),
        pick,
        actor: who,
        sig: receiptSig,
        bond: fc.constantFrom("exact", "exact", "exact", "exact", "exact", "exact", "zero", "plus") as fc.Arbitrary<
          "exact" | "zero" | "plus"
        >,
        tamper,
        // v2: the client names 1..K chunks (sometimes none, too many, or one past the end)
        indices: fc.oneof(
          { weight: 8, arbitrary: fc.array(fc.nat({ max: 8 }), { minLength: 1, maxLength: 3 }) },
          { weight: 1, arbitrary: fc.constant([] as number[]) },
          { weight: 1, arbitrary: fc.array(fc.nat({ max: 8 }), { minLength: 5, maxLength: 6 }) },
          { weight: 1, arbitrary: fc.constant([1_000] as number[]) },
        ),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("settleBatch" as const), picks: fc.array(pick, { minLength: 1, maxLength: 3 }), actor }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("releaseBatch" as const), picks: fc.array(pick, { minLength: 1, maxLength: 3 }), actor }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("respond" as const),
        pick,
        actor,
        proof: fc.constantFrom<ProofKind>(
          "valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid", "valid",
          "flipByte", "otherChunk", "wrongSize", "shortProof", "longProof",
        ),
      }),
    },
    { weight: 3, arbitrary: onOrderWho("claim") },
    { weight: 2, arbitrary: onOrder("release") },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), actor: who, pick }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("depositStake" as const),
        actor: who,
        amount: fc.constantFrom(parseEther("1"), parseEther("5"), 1n, 0n),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("withdrawStake" as const),
        actor: who,
        amount: fc.constantFrom("half", "free", "one", "zero", "freePlus1") as fc.Arbitrary<
          "zero" | "one" | "half" | "free" | "freePlus1"
        >,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("register" as const), actor: who, target }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("registerMany" as const), actor: who, targets: fc.array(target, { maxLength: 3 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("deregister" as const), actor: who, target }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("rotateSigner" as const),
        actor: who,
        to: fc.constantFrom("other", "other", "other", "same", "zero") as fc.Arbitrary<"other" | "same" | "zero">,
      }),
    },
    { weight: 9, arbitrary: fc.record({ kind: fc.constant("time" as const), seconds: timeSeconds }) },
  );
  return arb.map((a) => printable(a));
}

/**
 * Fixed sequences run before the random ones (fast-check `examples`), so that every run reaches the
 * paths of the strict deadlines, the settle delay of release and the delivered flag, whatever the
 * seed. `pick` values address orders as pickOrder does (pick % 5 != 4: ⌊pick / 5⌋ indexes the
 * orders in the wanted states).
 */
function fixedExamples(): Action[][] {
  const pay = (client: Actor, storageFor: bigint, size: number, fileSeed: number): Action => ({
    kind: "pay", client, source: "fresh", pick: 0, expiresIn: 600n, storageFor,
    price: parseEther("0.1"), fine: parseEther("0.5"), size, fileSeed, fault: "none",
  });
  const examples: Action[][] = [
    [
      pay("alice", 2000n, 1025, 11), // o0
      pay("bob", 2000n, 0, 12), // o1
      pay("alice", 2000n, 3000, 13), // o2
      { kind: "dispute", pick: 1, actor: "right", tamper: false }, // o0
      { kind: "dispute", pick: 1, actor: "right", tamper: false }, // o1
      { kind: "dispute", pick: 1, actor: "right", tamper: false }, // o2
      { kind: "publish", pick: 11, actor: "owner", sig: "current", tamper: false }, // o2, in time: delivered
      { kind: "dispute", pick: 1, actor: "right", tamper: false }, // o2 again: AlreadyDelivered
      { kind: "time", seconds: 2n * RESPONSE_WINDOW },
      { kind: "publish", pick: 1, actor: "stranger", sig: "current", tamper: false }, // o0: TooLate
      { kind: "refund", pick: 6, actor: "right", tamper: false }, // o1: TooLate
      { kind: "claim", pick: 1, actor: "right", tamper: false }, // o0: price + fine
      { kind: "claim", pick: 1, actor: "right", tamper: false }, // o1: price + fine
      { kind: "withdraw", actor: "right", pick: 0 },
    ],
    [
      pay("alice", SETTLE_DELAY - 40n, 3000, 21), // o0: storageUntil before paidAt + settleDelay
      pay("bob", 2000n, 4096, 22), // o1
      { kind: "challenge", pick: 1, actor: "right", sig: "current", bond: "exact", indices: [0], tamper: false }, // o0
      { kind: "respond", pick: 1, actor: "owner", proof: "valid" }, // o0: answered, delivered
      { kind: "dispute", pick: 1, actor: "right", tamper: false }, // o0: AlreadyDelivered
      { kind: "challenge", pick: 6, actor: "right", sig: "current", bond: "exact", indices: [0], tamper: false }, // o1
      { kind: "time", seconds: SETTLE_DELAY - 30n }, // past o0's storageUntil and o1's deadline
      { kind: "release", pick: 1, actor: "stranger", tamper: false }, // o0: TooEarly(paidAt + settleDelay)
      { kind: "respond", pick: 1, actor: "owner", proof: "valid" }, // o1: TooLate
      { kind: "claim", pick: 1, actor: "right", tamper: false }, // o1: price + fine + bond
      { kind: "time", seconds: 40n },
      { kind: "release", pick: 1, actor: "stranger", tamper: false }, // o0: released
      { kind: "withdraw", actor: "right", pick: 0 },
    ],
  ];
  return examples.map((actions) => actions.map((a) => printable(a)));
}

// ───────────────────────────── model ─────────────────────────────

const S = OrderState;

/** PROTOCOL.md order lifecycle: the only state changes a single transaction may cause. */
const LIFECYCLE: Record<number, readonly number[]> = {
  [S.None]: [S.Paid],
  [S.Paid]: [S.Settled, S.DeliveryDisputed, S.Refunded, S.Challenged, S.Completed],
  [S.DeliveryDisputed]: [S.Paid, S.Refunded, S.Penalized],
  [S.Challenged]: [S.Paid, S.Settled, S.Penalized],
  [S.Settled]: [S.Challenged, S.Completed],
  [S.Refunded]: [],
  [S.Penalized]: [],
  [S.Completed]: [],
};

type OrderModel = {
  label: string; // "o3" in logs
  quote: Quote;
  quoteSig: Hex;
  /** Who produced quoteSig: a signer key name, or null when it can never verify (stranger, tampered). */
  quoteSigner: SignerName | null;
  client: Actor;
  tree: FileTree;
  state: number;
  settled: boolean;
  /** σ was published (publishReceipt) or shown in a storage challenge: disputeDelivery is refused. */
  delivered: boolean;
  paidAt: bigint;
  deadline: bigint;
  lastChallengeAt: bigint;
  chunkIndex: number;
  /** v2: the chunk indices the open (or last) challenge named. */
  chunkIndices: number[];
  /** v2: the signer epoch at payment (rotation is exact by transaction order). */
  paidEpoch: number;
  /** Last state read from the chain, to check observed transitions against LIFECYCLE. */
  observed: number;
  receiptSigs: Map<string, Hex>;
};

type Model = {
  now: bigint;
  signer: SignerName;
  retiredAt: Record<SignerName, bigint>;
  /** v2: signer epoch, bumped by every rotation; a retired signer's σ counts for orders paid in an earlier epoch. */
  epoch: number;
  retiredEpoch: Record<SignerName, number>;
  registered: Record<Actor, boolean>;
  credit: Record<Actor, bigint>;
  earned: bigint; // provider earnings, withdrawable by the owner
  stakeTotal: bigint;
  stakeLocked: bigint;
  orders: OrderModel[];
  // Money accounting per account, for properties 1 and 2.
  paidIn: Record<Actor, bigint>; // prices, bonds, stake deposits sent with successful transactions
  withdrawn: Record<Actor, bigint>; // measured: the contract's balance drop on each withdraw
  credited: Record<Actor, bigint>; // cumulative amounts the model made withdrawable
  gains: Record<Actor, bigint>; // money won from others: fines (clients), prices and bonds (owner)
  contractBalance: bigint;
};

const perActor = (v: bigint): Record<Actor, bigint> => ({ owner: v, alice: v, bob: v, stranger: v });

// ───────────────────────────── the test ─────────────────────────────

let fx: Fixture;
let accounts: Record<Actor, Fixture["alice"]>;
let addressOf: Record<Actor | "zero" | SignerName, Address>;
let initialStake: bigint;
let orderCounter = 0;
/** Per action kind: [succeeded, reverted] over the whole run, printed at the end (coverage of the generator). */
const outcomes = new Map<string, [number, number]>();
/** Per "action:error": how often each expected revert was seen (coverage of the revert paths). */
const reverts = new Map<string, number>();
const VERBOSE = process.env.PEKANU_PROP_VERBOSE === "1";

/** The state every sequence starts from: alice and bob registered (snapshot, restored by loadFixture). */
async function propertiesBaseline() {
  await fx.contract.write.registerClients([[fx.alice.account.address, fx.bob.account.address]], {
    account: fx.owner.account,
  });
  return {};
}

function initialModel(now: bigint, balance: bigint): Model {
  return {
    now,
    signer: "signer",
    retiredAt: { signer: 0n, newSigner: 0n },
    epoch: 0,
    retiredEpoch: { signer: 0, newSigner: 0 },
    registered: { owner: false, alice: true, bob: true, stranger: false },
    credit: perActor(0n),
    earned: 0n,
    stakeTotal: initialStake,
    stakeLocked: 0n,
    orders: [],
    paidIn: { ...perActor(0n), owner: initialStake },
    withdrawn: perActor(0n),
    credited: perActor(0n),
    gains: perActor(0n),
    contractBalance: balance,
  };
}

function otherSigner(s: SignerName): SignerName {
  return s === "signer" ? "newSigner" : "signer";
}

function signerWallet(name: SignerName | "stranger") {
  return name === "signer" ? fx.signer : name === "newSigner" ? fx.newSigner : fx.stranger;
}

/** σ validity as the protocol defines it: the current signer, or a signer retired after the order was paid. */
function receiptValid(m: Model, o: OrderModel, sig: ReceiptSig): boolean {
  if (sig === "stranger" || sig === "wrongLink") return false;
  const name = sig === "current" ? m.signer : sig;
  if (name === m.signer) return true;
  const retired = m.retiredEpoch[name];
  return retired !== 0 && o.paidEpoch < retired;
}

async function receiptFor(m: Model, o: OrderModel, sig: ReceiptSig): Promise<{ link: string; signature: Hex }> {
  const link = `https://provider.example/v1/files/${o.quote.fileRoot}`;
  const signerName: SignerName | "stranger" = sig === "current" ? m.signer : sig === "wrongLink" ? m.signer : sig;
  const key = `${signerName}`;
  let signature = o.receiptSigs.get(key);
  if (signature === undefined) {
    signature = await fx.signReceipt(o.quote, link, signerWallet(signerName));
    o.receiptSigs.set(key, signature);
  }
  return { link: sig === "wrongLink" ? `${link}?forged` : link, signature };
}

/**
 * Picks an order, model-guided: usually one whose state the action applies to (deadlines and
 * actors may still be wrong), sometimes any order, including quotes that were never paid.
 */
function pickOrder(m: Model, pick: number, wanted: readonly number[]): OrderModel | undefined {
  const fitting = m.orders.filter((o) => wanted.includes(o.state));
  const pool = pick % 5 !== 4 && fitting.length > 0 ? fitting : m.orders;
  if (pool.length === 0) return undefined;
  return pool[Math.floor(pick / 5) % pool.length];
}

function resolve(who: Who, right: Actor): Actor {
  return who === "right" ? right : who;
}

function tampered(q: Quote): Quote {
  return { ...q, fine: q.fine + 1n };
}

/** One planned transaction: what the model expects and how to apply its effects. */
type Step = {
  text: string;
  /**
   * The custom errors the contract may revert with, one per precondition the model finds violated
   * (the contract reports whichever it checks first). Empty: the transaction must succeed.
   */
  reasons: string[];
  value: bigint;
  sender: Actor;
  send: () => Promise<unknown>;
  /** Applies the model's effects of a successful transaction mined at time t. */
  apply: (t: bigint) => void | Promise<void>;
};

function credit(m: Model, who: Actor, amount: bigint) {
  m.credit[who] += amount;
  m.credited[who] += amount;
}
function earn(m: Model, amount: bigint, gain: boolean) {
  m.earned += amount;
  m.credited.owner += amount;
  if (gain) m.gains.owner += amount;
}
function withdrawableOf(m: Model, a: Actor): bigint {
  return m.credit[a] + (a === "owner" ? m.earned : 0n);
}

/** The `pick` that makes pickOrder(m, pick, wanted) choose `o` (pick % 5 != 4, ⌊pick / 5⌋ indexes the fitting orders). */
function pickFor(m: Model, o: OrderModel, wanted: readonly number[]): number {
  return m.orders.filter((x) => wanted.includes(x.state)).indexOf(o) * 5 + 1;
}

/**
 * The window boundaries of the open orders: the governed action, the last/first second it is
 * allowed (`allowedAt`) and the adjacent second on the other side of the boundary (`deniedAt`).
 */
function edges(m: Model): { allowedAt: bigint; deniedAt: bigint; action: Action; what: string }[] {
  const out: { allowedAt: bigint; deniedAt: bigint; action: Action; what: string }[] = [];
  const honest = { tamper: false } as const;
  for (const o of m.orders) {
    if (o.state === S.Paid) {
      const first = o.paidAt + SETTLE_DELAY; // settle: block.timestamp >= paidAt + settleDelay
      out.push({ allowedAt: first, deniedAt: first - 1n, what: `${o.label} settle delay`,
        action: { kind: "settle", pick: pickFor(m, o, [S.Paid]), actor: "alice", ...honest } });
    }
    if (o.state === S.DeliveryDisputed || o.state === S.Challenged) {
      // claimPenalty: block.timestamp > deadline
      out.push({ allowedAt: o.deadline + 1n, deniedAt: o.deadline, what: `${o.label} response deadline`,
        action: { kind: "claim", pick: pickFor(m, o, [S.DeliveryDisputed, S.Challenged]), actor: "right", ...honest } });
    }
    // The provider's answers: block.timestamp <= deadline (strict deadlines).
    if (o.state === S.DeliveryDisputed) {
      out.push({ allowedAt: o.deadline, deniedAt: o.deadline + 1n, what: `${o.label} response deadline`,
        action: { kind: "publish", pick: pickFor(m, o, [S.DeliveryDisputed]), actor: "stranger", sig: "current", ...honest } });
      out.push({ allowedAt: o.deadline, deniedAt: o.deadline + 1n, what: `${o.label} response deadline`,
        action: { kind: "refund", pick: pickFor(m, o, [S.Paid, S.DeliveryDisputed]), actor: "right", ...honest } });
    }
    if (o.state === S.Challenged) {
      out.push({ allowedAt: o.deadline, deniedAt: o.deadline + 1n, what: `${o.label} response deadline`,
        action: { kind: "respond", pick: pickFor(m, o, [S.Challenged]), actor: "bob", proof: "valid" } });
    }
    if (o.state === S.Paid || o.state === S.Settled) {
      const challenge: Action = {
        kind: "challenge", pick: pickFor(m, o, [S.Paid, S.Settled]), actor: "right", sig: "current", bond: "exact", indices: [0], ...honest,
      };
      const end = o.quote.storageUntil;
      const release: Action = { kind: "release", pick: pickFor(m, o, [S.Paid, S.Settled]), actor: "stranger", ...honest };
      // release: block.timestamp >= storageUntil and, unsettled, >= paidAt + settleDelay;
      // challengeStorage: block.timestamp < storageUntil
      const releaseAt = o.settled || end >= o.paidAt + SETTLE_DELAY ? end : o.paidAt + SETTLE_DELAY;
      out.push({ allowedAt: releaseAt, deniedAt: releaseAt - 1n,
        what: `${o.label} ${releaseAt === end ? "storage end" : "settle delay (release)"}`, action: release });
      if (releaseAt !== end) {
        // A short storage period: both sides of storageUntil revert, TooEarly(storageUntil) before,
        // TooEarly(paidAt + settleDelay) from storageUntil on.
        out.push({ allowedAt: end, deniedAt: end - 1n, what: `${o.label} storage end inside the settle delay`, action: release });
      }
      out.push({ allowedAt: end - 1n, deniedAt: end, what: `${o.label} storage end`, action: challenge });
      if (o.lastChallengeAt !== 0n) {
        const first = o.lastChallengeAt + COOLDOWN; // block.timestamp >= lastChallengeAt + cooldown
        out.push({ allowedAt: first, deniedAt: first - 1n, what: `${o.label} challenge cooldown`, action: challenge });
      }
    }
  }
  return out;
}

/** The follow-up steps of every order by state (PROTOCOL lifecycle), plus time jumps to window boundaries. */
function nextSteps(m: Model): Action[] {
  const out: Action[] = [];
  for (const o of m.orders) {
    const among = (wanted: readonly number[]) => pickFor(m, o, wanted);
    const honest = { tamper: false } as const;
    const t = m.now + 1n;
    // Steps whose time condition already holds are offered three times (likelier to be chosen).
    const times = (ready: boolean) => (ready ? 3 : 1);
    const push = (n: number, a: Action) => {
      for (let k = 0; k < n; k++) out.push(a);
    };
    switch (o.state) {
      case S.Paid:
        push(times(t >= o.paidAt + SETTLE_DELAY), { kind: "settle", pick: among([S.Paid]), actor: "stranger", ...honest });
        push(1, { kind: "dispute", pick: among([S.Paid]), actor: "right", ...honest });
        push(1, { kind: "challenge", pick: among([S.Paid, S.Settled]), actor: "right", sig: "current", bond: "exact", indices: [0], ...honest });
        push(times(t >= o.quote.storageUntil && (o.settled || t >= o.paidAt + SETTLE_DELAY)),
          { kind: "release", pick: among([S.Paid, S.Settled]), actor: "bob", ...honest });
        break;
      case S.Settled:
        push(1, { kind: "challenge", pick: among([S.Paid, S.Settled]), actor: "right", sig: "current", bond: "exact", indices: [0], ...honest });
        push(times(t >= o.quote.storageUntil), { kind: "release", pick: among([S.Paid, S.Settled]), actor: "owner", ...honest });
        break;
      case S.DeliveryDisputed:
        push(1, { kind: "publish", pick: among([S.DeliveryDisputed]), actor: "owner", sig: "current", ...honest });
        push(1, { kind: "refund", pick: among([S.Paid, S.DeliveryDisputed]), actor: "right", ...honest });
        // (both revert TooLate once t > deadline)
        push(times(t > o.deadline), { kind: "claim", pick: among([S.DeliveryDisputed, S.Challenged]), actor: "right", ...honest });
        break;
      case S.Challenged:
        push(1, { kind: "respond", pick: among([S.Challenged]), actor: "owner", proof: "valid" });
        push(1, { kind: "respond", pick: among([S.Challenged]), actor: "alice", proof: "valid" });
        // A provider that lost the data: some invalid answer (the kind varies with the clock).
        push(1, { kind: "respond", pick: among([S.Challenged]), actor: "owner", proof: INVALID_PROOFS[Number(m.now % 5n)]! });
        push(times(t > o.deadline), { kind: "claim", pick: among([S.DeliveryDisputed, S.Challenged]), actor: "right", ...honest });
        break;
    }
  }
  if (ACTORS.some((x) => withdrawableOf(m, x) > 0n)) out.push({ kind: "withdraw", actor: "right", pick: m.orders.length });
  // Time jumps to the boundaries of the open windows: the next transaction lands exactly on the
  // first second an action is allowed, or one second before it.
  const boundaries: bigint[] = [];
  for (const o of m.orders) {
    if (o.state === S.Paid) boundaries.push(o.paidAt + SETTLE_DELAY);
    if (o.state === S.DeliveryDisputed || o.state === S.Challenged) boundaries.push(o.deadline + 1n);
    if (o.state === S.Paid || o.state === S.Settled) {
      boundaries.push(o.quote.storageUntil);
      if (o.lastChallengeAt !== 0n) boundaries.push(o.lastChallengeAt + COOLDOWN);
    }
  }
  for (const b of boundaries) {
    for (const seconds of [b - 1n - m.now, b - 2n - m.now]) if (seconds >= 1n) out.push({ kind: "time", seconds });
  }
  return out;
}

/**
 * Collects the custom errors the contract may revert with: one per violated precondition. An error
 * given as "Name" matches any arguments; "Name(a,b)" only exactly these arguments.
 */
function violations(...checks: [violated: boolean, error: string][]): string[] {
  return checks.filter(([violated]) => violated).map(([, error]) => `ServerContract${error}`);
}
const OWNABLE = "OwnableUnauthorizedAccount";

async function plan(m: Model, a: Action): Promise<Step | string> {
  const c = fx.contract;
  const t = m.now + 1n; // every transaction is mined at exactly now + 1 (setNextBlockTimestamp)
  const opt = (who: Actor) => ({ account: accounts[who].account, gas: GAS });
  const optPay = (who: Actor, value: bigint) => ({ account: accounts[who].account, value, gas: GAS });
  const step = (
    text: string,
    reasons: string[],
    sender: Actor,
    value: bigint,
    send: () => Promise<unknown>,
    apply: (t: bigint) => void | Promise<void> = () => {},
  ): Step => ({ text, reasons, sender, value, send, apply });
  /** _loadOrder: an unpaid order id is unknown; terms that differ from the commitment mismatch. */
  const load = (o: OrderModel, tamper: boolean): [boolean, string][] => [
    [o.state === S.None, "UnknownOrder"],
    [o.state !== S.None && tamper, "TermsMismatch"],
  ];

  switch (a.kind) {
    case "pay": {
      let o: OrderModel | undefined;
      if (a.source === "replay") {
        const paid = m.orders.filter((x) => x.state !== S.None);
        o = paid.length > 0 ? paid[a.pick % paid.length] : undefined;
      } else if (a.source === "pooled") {
        const unpaid = m.orders.filter((x) => x.state === S.None);
        o = unpaid.length > 0 ? unpaid[a.pick % unpaid.length] : undefined;
      }
      if (o === undefined) {
        // A fresh quote from the provider (or a forgery), relative to the current time.
        orderCounter += 1;
        const tree = fileTree(a.fileSeed, a.size);
        const signed: Quote = {
          orderId: keccak256(toHex(`prop-order-${orderCounter}-${a.fileSeed}`)),
          client: addressOf[a.client],
          fileRoot: tree.root,
          size: BigInt(a.size),
          price: a.price,
          fine: a.fault === "fineOverFree" ? m.stakeTotal - m.stakeLocked + 1n : a.fine,
          storageUntil: m.now + (a.fault === "storageOver" ? 1n : a.storageFor),
          expiresAt: m.now + (a.fault === "expired" ? 0n : a.expiresIn),
        };
        const signerName: SignerName | "stranger" =
          a.fault === "otherSigner" ? otherSigner(m.signer) : a.fault === "strangerSig" ? "stranger" : m.signer;
        const quoteSig = await fx.signQuote(signed, signerWallet(signerName));
        const quote = a.fault === "tampered" ? { ...signed, price: signed.price + 1n } : signed;
        o = {
          label: `o${m.orders.length}`,
          quote,
          quoteSig,
          quoteSigner: signerName === "stranger" || a.fault === "tampered" ? null : signerName,
          client: a.client,
          tree,
          state: S.None,
          settled: false,
          delivered: false,
          paidAt: 0n,
          deadline: 0n,
          lastChallengeAt: 0n,
          chunkIndex: 0,
          chunkIndices: [],
          paidEpoch: 0,
          observed: S.None,
          receiptSigs: new Map(),
        };
        m.orders.push(o);
      }
      const order = o;
      const q = order.quote;
      const sender = a.fault === "wrongSender" ? ACTORS[(ACTORS.indexOf(order.client) + 1 + (a.pick % 3)) % 4]! : order.client;
      const value =
        a.fault === "valuePlus" ? q.price + 1n : a.fault === "valueMinus" ? (q.price > 0n ? q.price - 1n : 2n) : q.price;
      const reasons = violations(
        [addressOf[sender] !== q.client, "Unauthorized"],
        [!m.registered[sender], "NotRegistered"],
        [t > q.expiresAt, "QuoteExpired"],
        [q.storageUntil <= t, "InvalidStorageUntil"],
        [order.state !== S.None, "OrderExists"],
        [value !== q.price, "IncorrectPayment"],
        [order.quoteSigner !== m.signer, "InvalidQuoteSignature"],
        [q.fine > m.stakeTotal - m.stakeLocked, "InsufficientFreeStake"],
        [q.fine > maxFineFor({ params: PARAMS, price: q.price }), "FineTooHigh"],
        [q.fine < PARAMS.minFine, "FineTooLow"],
      );
      return step(`${order.label}: pay by ${sender} value=${eth(value)}`, reasons, sender, value,
        () => c.write.pay([q, order.quoteSig], optPay(sender, value)),
        (t) => {
          order.state = S.Paid;
          order.paidAt = t;
          order.paidEpoch = m.epoch;
          m.stakeLocked += q.fine;
        });
    }

    case "settle": {
      const o = pickOrder(m, a.pick, [S.Paid]);
      if (o === undefined) return "no order";
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const reasons = violations(
        ...load(o, a.tamper),
        [o.state !== S.Paid, "InvalidState"],
        [t < o.paidAt + SETTLE_DELAY, `TooEarly(${o.paidAt + SETTLE_DELAY})`],
      );
      return step(`${o.label}: settle by ${a.actor}`, reasons, a.actor, 0n, () => c.write.settle([q], opt(a.actor)), () => {
        o.state = S.Settled;
        o.settled = true;
        earn(m, o.quote.price, true);
      });
    }

    case "dispute": {
      const o = pickOrder(m, a.pick, [S.Paid]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, o.client);
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const reasons = violations(
        ...load(o, a.tamper),
        [sender !== o.client, "Unauthorized"],
        [o.state !== S.Paid, "InvalidState"],
        [o.delivered, `AlreadyDelivered(${o.quote.orderId})`],
      );
      return step(`${o.label}: disputeDelivery by ${sender}${o.delivered ? " (delivered)" : ""}`, reasons, sender, 0n,
        () => c.write.disputeDelivery([q], opt(sender)),
        (t) => {
          o.state = S.DeliveryDisputed;
          o.deadline = t + RESPONSE_WINDOW;
        });
    }

    case "publish": {
      const o = pickOrder(m, a.pick, [S.DeliveryDisputed]);
      if (o === undefined) return "no order";
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const { link, signature } = await receiptFor(m, o, a.sig);
      const reasons = violations(
        ...load(o, a.tamper),
        [o.state !== S.DeliveryDisputed, "InvalidState"],
        [o.state === S.DeliveryDisputed && t > o.deadline, `TooLate(${o.deadline})`],
        [!receiptValid(m, o, a.sig), "InvalidReceiptSignature"],
      );
      return step(`${o.label}: publishReceipt by ${a.actor}`, reasons, a.actor, 0n,
        () => c.write.publishReceipt([q, link, signature], opt(a.actor)),
        () => {
          o.state = S.Paid;
          o.deadline = 0n;
          o.delivered = true;
        });
    }

    case "refund": {
      const o = pickOrder(m, a.pick, [S.Paid, S.DeliveryDisputed]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, "owner");
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const reasons = [
        ...(sender !== "owner" ? [OWNABLE] : []),
        ...violations(
          ...load(o, a.tamper),
          // v2: a refund only answers an open delivery dispute (never a way around a challenge)
          [o.state !== S.DeliveryDisputed, "InvalidState"],
          // Past a dispute's deadline the client is owed price + fine: no refund may cut that short.
          [o.state === S.DeliveryDisputed && t > o.deadline, `TooLate(${o.deadline})`],
        ),
      ];
      return step(`${o.label}: refund by ${sender}`, reasons, sender, 0n, () => c.write.refund([q], opt(sender)), () => {
        o.state = S.Refunded;
        o.deadline = 0n;
        m.stakeLocked -= o.quote.fine;
        credit(m, o.client, o.quote.price);
      });
    }

    case "challenge": {
      const o = pickOrder(m, a.pick, [S.Paid, S.Settled]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, o.client);
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const { link, signature } = await receiptFor(m, o, a.sig);
      const count = BigInt(a.indices.length);
      const bond = BOND * count;
      const value = a.bond === "exact" ? bond : a.bond === "zero" ? 0n : bond + 1n;
      const n = chunkCount(Number(o.quote.size));
      const reasons = violations(
        ...load(o, a.tamper),
        [sender !== o.client, "Unauthorized"],
        [o.state !== S.Paid && o.state !== S.Settled, "InvalidState"],
        [t >= o.quote.storageUntil, `TooLate(${o.quote.storageUntil})`],
        [count === 0n || count > K, `InvalidChunkCount(${count},${K})`],
        [value !== bond, "IncorrectPayment"],
        [o.lastChallengeAt !== 0n && t < o.lastChallengeAt + COOLDOWN, `ChallengeCooldown(${o.lastChallengeAt + COOLDOWN})`],
        // v2: σ is needed only while it was never shown on chain
        [!o.delivered && !receiptValid(m, o, a.sig), "InvalidReceiptSignature"],
        [a.indices.some((i) => i >= n), "ChunkOutOfRange"],
      );
      const indices = a.indices.map(BigInt);
      return step(`${o.label}: challengeStorage [${a.indices}] by ${sender} bond=${eth(value)}`, reasons, sender, value,
        () => c.write.challengeStorage([q, link, signature, indices], optPay(sender, value)),
        async (t) => {
          o.state = S.Challenged;
          o.delivered = true; // the client showed σ
          o.deadline = t + RESPONSE_WINDOW;
          o.lastChallengeAt = t;
          o.chunkIndices = a.indices.slice();
          o.chunkIndex = a.indices[0]!;
          const [deadline, last, index, named, held] = await c.read.pendingOf([o.quote.orderId]);
          assert.equal(deadline, o.deadline, "challenge deadline");
          assert.equal(last, t, "lastChallengeAt");
          assert.equal(index, BigInt(o.chunkIndex), "first named index");
          assert.deepEqual(named, indices, "named indices");
          assert.equal(held, bond, "bond held");
        });
    }

    case "respond": {
      const o = pickOrder(m, a.pick, [S.Challenged]);
      if (o === undefined) return "no order";
      const tree = o.tree;
      const n = tree.chunks.length;
      const named = o.chunkIndices.length > 0 ? o.chunkIndices : [0];
      const idx = named[0]! < n ? named[0]! : 0;
      let chunk: Uint8Array = tree.chunks[idx]!;
      let proof: Hex[] = tree.proof(idx);
      let size = o.quote.size;
      const flip = () => (chunk.length === 0 ? Uint8Array.of(0) : Uint8Array.from(chunk, (b, i) => (i === 0 ? b ^ 1 : b)));
      switch (a.proof) {
        case "valid":
          break;
        case "flipByte":
          chunk = flip();
          break;
        case "otherChunk":
          chunk = n > 1 ? tree.chunks[(idx + 1) % n]! : flip();
          break;
        case "wrongSize":
          size += 1n;
          break;
        case "shortProof":
          proof = proof.length > 0 ? proof.slice(0, -1) : [keccak256(toHex("extra"))];
          break;
        case "longProof":
          proof = [...proof, keccak256(toHex("extra"))];
          break;
      }
      const bad = a.proof !== "valid";
      const reasons = [
        ...violations(
          [o.state !== S.Challenged, "InvalidState"],
          [o.state === S.Challenged && t > o.deadline, `TooLate(${o.deadline})`],
        ),
        // A wrong chunk length is InvalidChunk, anything else that does not verify InvalidProof.
        ...(bad && o.state === S.Challenged ? ["ServerContractInvalidChunk", "ServerContractInvalidProof"] : []),
      ];
      return step(`${o.label}: respondStorage by ${a.actor} chunk ${idx}/${n} (${a.proof})`, reasons, a.actor, 0n,
        () =>
          c.write.respondStorage(
            [
              o.quote.orderId,
              size,
              named.map((i, k) => (k === 0 ? bytesToHex(chunk) : bytesToHex(tree.chunks[i]!))),
              named.map((i, k) => (k === 0 ? proof : tree.proof(i))),
              addressOf[o.client],
            ],
            opt(a.actor),
          ),
        async () => {
          o.state = o.settled ? S.Settled : S.Paid;
          o.deadline = 0n;
          // v2: the provider is paid its answer's gas bound at the block's base fee × margin (at
          // least 1 wei, at most the bond); the rest of the bond is credited back to the client.
          const bond = BOND * BigInt(named.length);
          const { baseFeePerGas } = await fx.publicClient.getBlock();
          const gas = answerGas.base + BigInt(named.length) * answerGas.perChunk + BigInt(named.reduce((s, i) => s + tree.proof(i).length, 0)) * answerGas.perNode;
          let paid = (gas * baseFeePerGas! * PARAMS.bondMarginPercent) / 100n;
          if (paid === 0n) paid = 1n;
          if (paid > bond) paid = bond;
          earn(m, paid, true);
          if (bond > paid) credit(m, o.client, bond - paid);
        });
    }

    case "claim": {
      const o = pickOrder(m, a.pick, [S.DeliveryDisputed, S.Challenged]);
      if (o === undefined) return "no order";
      const sender = resolve(a.actor, o.client);
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const reasons = violations(
        ...load(o, a.tamper),
        [sender !== o.client, "Unauthorized"],
        [o.state !== S.DeliveryDisputed && o.state !== S.Challenged, "InvalidState"],
        [t <= o.deadline, `TooEarly(${o.deadline + 1n})`],
      );
      return step(`${o.label}: claimPenalty by ${sender}`, reasons, sender, 0n, () => c.write.claimPenalty([q], opt(sender)), () => {
        const amount = o.quote.fine + (o.settled ? 0n : o.quote.price) + (o.state === S.Challenged ? BOND * BigInt(o.chunkIndices.length) : 0n);
        o.state = S.Penalized;
        o.deadline = 0n;
        o.lastChallengeAt = 0n;
        m.stakeTotal -= o.quote.fine;
        m.stakeLocked -= o.quote.fine;
        credit(m, o.client, amount);
        m.gains[o.client] += o.quote.fine;
      });
    }

    case "release": {
      const o = pickOrder(m, a.pick, [S.Paid, S.Settled]);
      if (o === undefined) return "no order";
      const q = a.tamper ? tampered(o.quote) : o.quote;
      const reasons = violations(
        ...load(o, a.tamper),
        [o.state !== S.Paid && o.state !== S.Settled, "InvalidState"],
        [t < o.quote.storageUntil, `TooEarly(${o.quote.storageUntil})`],
        // An unsettled price never goes to the provider before paidAt + settleDelay (the client's
        // window to dispute delivery), however short the storage period.
        [t >= o.quote.storageUntil && !o.settled && t < o.paidAt + SETTLE_DELAY, `TooEarly(${o.paidAt + SETTLE_DELAY})`],
      );
      return step(`${o.label}: release by ${a.actor}`, reasons, a.actor, 0n, () => c.write.release([q], opt(a.actor)), () => {
        if (!o.settled) earn(m, o.quote.price, true);
        o.state = S.Completed;
        m.stakeLocked -= o.quote.fine;
      });
    }

    case "settleBatch":
    case "releaseBatch": {
      // v2: all or nothing; the contract reverts with the first order it cannot take.
      const wanted = a.kind === "settleBatch" ? [S.Paid] : [S.Paid, S.Settled];
      const picked = a.picks.map((p) => pickOrder(m, p, wanted)).filter((o): o is OrderModel => o !== undefined);
      if (picked.length === 0) return "no order";
      let reasons: string[] = [];
      const seen = new Set<OrderModel>();
      for (const o of picked) {
        const state = seen.has(o) ? (a.kind === "settleBatch" ? S.Settled : S.Completed) : o.state;
        const r =
          a.kind === "settleBatch"
            ? violations(
                [state === S.None, "UnknownOrder"],
                [state !== S.Paid && state !== S.None, "InvalidState"],
                [state === S.Paid && t < o.paidAt + SETTLE_DELAY, `TooEarly(${o.paidAt + SETTLE_DELAY})`],
              )
            : violations(
                [state === S.None, "UnknownOrder"],
                [state !== S.Paid && state !== S.Settled && state !== S.None, "InvalidState"],
                [(state === S.Paid || state === S.Settled) && t < o.quote.storageUntil, `TooEarly(${o.quote.storageUntil})`],
                [(state === S.Paid || state === S.Settled) && t >= o.quote.storageUntil && !o.settled && t < o.paidAt + SETTLE_DELAY, `TooEarly(${o.paidAt + SETTLE_DELAY})`],
              );
        seen.add(o);
        if (r.length > 0) {
          reasons = r;
          break;
        }
      }
      const quotes = picked.map((o) => o.quote);
      return step(`${a.kind} [${picked.map((o) => o.label)}] by ${a.actor}`, reasons, a.actor, 0n,
        () => (a.kind === "settleBatch" ? c.write.settleBatch([quotes], opt(a.actor)) : c.write.releaseBatch([quotes], opt(a.actor))),
        () => {
          for (const o of picked) {
            if (a.kind === "settleBatch") {
              o.state = S.Settled;
              o.settled = true;
              earn(m, o.quote.price, true);
            } else {
              if (!o.settled) earn(m, o.quote.price, true);
              o.state = S.Completed;
              m.stakeLocked -= o.quote.fine;
            }
          }
        });
    }

    case "withdraw": {
      // "right": an account the model says is owed something (if any).
      const owed = ACTORS.filter((x) => withdrawableOf(m, x) > 0n);
      const sender = a.actor !== "right" ? a.actor : (owed[a.pick % Math.max(owed.length, 1)] ?? ACTORS[a.pick % 4]!);
      const amount = withdrawableOf(m, sender);
      return step(`withdraw by ${sender} (model: ${eth(amount)})`, violations([amount === 0n, "NothingToWithdraw"]), sender, 0n,
        () => c.write.withdraw(opt(sender)),
        () => {
          m.credit[sender] = 0n;
          if (sender === "owner") m.earned = 0n;
        });
    }

    case "depositStake": {
      const sender = resolve(a.actor, "owner");
      const reasons = [...(sender !== "owner" ? [OWNABLE] : []), ...violations([a.amount === 0n, "ZeroAmount"])];
      return step(`depositStake by ${sender} ${eth(a.amount)}`, reasons, sender, a.amount,
        () => c.write.depositStake(optPay(sender, a.amount)),
        () => {
          m.stakeTotal += a.amount;
        });
    }

    case "withdrawStake": {
      const sender = resolve(a.actor, "owner");
      const free = m.stakeTotal - m.stakeLocked;
      const amount = { zero: 0n, one: 1n, half: free / 2n, free, freePlus1: free + 1n }[a.amount];
      const reasons = [
        ...(sender !== "owner" ? [OWNABLE] : []),
        ...violations([amount === 0n, "ZeroAmount"], [amount > free, "InsufficientFreeStake"]),
      ];
      return step(`withdrawStake by ${sender} ${eth(amount)} (free ${eth(free)})`, reasons, sender, 0n,
        () => c.write.withdrawStake([amount], opt(sender)),
        () => {
          m.stakeTotal -= amount;
          earn(m, amount, false);
        });
    }

    case "register": {
      const sender = resolve(a.actor, "owner");
      const reasons = [
        ...(sender !== "owner" ? [OWNABLE] : []),
        ...violations([a.target === "zero", "InvalidClient"], [a.target !== "zero" && m.registered[a.target], "AlreadyRegistered"]),
      ];
      return step(`registerClient(${a.target}) by ${sender}`, reasons, sender, 0n,
        () => c.write.registerClient([addressOf[a.target]], opt(sender)),
        () => {
          if (a.target !== "zero") m.registered[a.target] = true;
        });
    }

    case "registerMany": {
      const sender = resolve(a.actor, "owner");
      const reasons = [...(sender !== "owner" ? [OWNABLE] : []), ...violations([a.targets.includes("zero"), "InvalidClient"])];
      return step(`registerClients([${a.targets.join(",")}]) by ${sender}`, reasons, sender, 0n,
        () => c.write.registerClients([a.targets.map((x) => addressOf[x])], opt(sender)),
        () => {
          for (const x of a.targets) if (x !== "zero") m.registered[x] = true;
        });
    }

    case "deregister": {
      const sender = resolve(a.actor, "owner");
      const reasons = [
        ...(sender !== "owner" ? [OWNABLE] : []),
        ...violations([a.target === "zero" || !m.registered[a.target], "NotRegistered"]),
      ];
      return step(`deregisterClient(${a.target}) by ${sender}`, reasons, sender, 0n,
        () => c.write.deregisterClient([addressOf[a.target]], opt(sender)),
        () => {
          if (a.target !== "zero") m.registered[a.target] = false;
        });
    }

    case "rotateSigner": {
      const sender = resolve(a.actor, "owner");
      const to = a.to === "other" ? addressOf[otherSigner(m.signer)] : a.to === "same" ? addressOf[m.signer] : zeroAddress;
      const reasons = [...(sender !== "owner" ? [OWNABLE] : []), ...violations([a.to !== "other", "InvalidSigner"])];
      return step(`rotateSigner(${a.to}) by ${sender}`, reasons, sender, 0n, () => c.write.rotateSigner([to], opt(sender)), (t) => {
        const previous = m.signer;
        const next = otherSigner(previous);
        m.retiredAt[previous] = t;
        m.retiredAt[next] = 0n;
        m.epoch += 1;
        m.retiredEpoch[previous] = m.epoch;
        m.retiredEpoch[next] = 0;
        m.signer = next;
      });
    }

    case "time":
    case "next":
    case "edge":
      throw new Error(`${a.kind} is not a transaction`);
  }
}

function shortError(e: unknown): string {
  // viem: ContractFunctionExecutionError → ContractFunctionRevertedError with the decoded custom
  // error, reported as "Name(arg,…)".
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 8; depth++) {
    const x = cur as { data?: { errorName?: string; args?: readonly unknown[] }; signature?: string; cause?: unknown };
    if (x.data?.errorName) return `${x.data.errorName}(${(x.data.args ?? []).map(String).join(",")})`;
    if (x.signature) return `error ${x.signature}`;
    cur = x.cause;
  }
  const err = e as { shortMessage?: string; message?: string };
  return (err.shortMessage ?? err.message ?? String(e)).split("\n")[0]!.slice(0, 160);
}

/** Checks properties 1–3 against the chain after a step. */
async function checkInvariants(m: Model): Promise<void> {
  const c = fx.contract;
  const orders = m.orders;
  const [balance, stake, latest, signer, withdrawables, registered, onChain] = await Promise.all([
    fx.publicClient.getBalance({ address: c.address }),
    c.read.stake(),
    fx.networkHelpers.time.latest(),
    c.read.signer(),
    Promise.all(ACTORS.map((a) => c.read.withdrawable([addressOf[a]]))),
    Promise.all(ACTORS.map((a) => c.read.isRegistered([addressOf[a]]))),
    Promise.all(
      orders.map((o) =>
        Promise.all([
          c.read.orderOf([o.quote.orderId]),
          c.read.pendingOf([o.quote.orderId]),
          c.read.isDelivered([o.quote.orderId]),
        ]),
      ),
    ),
  ]);

  assert.equal(BigInt(latest), m.now, "chain time == model time");
  assert.equal(getAddress(signer), addressOf[m.signer], "signer()");
  ACTORS.forEach((a, i) => assert.equal(registered[i], m.registered[a], `isRegistered(${a})`));

  // Property 3: orders follow the model and the PROTOCOL lifecycle; stake book equals the model.
  assert.deepEqual(stake, [m.stakeTotal, m.stakeLocked], "stake() [total, locked]");
  assert.ok(m.stakeLocked <= m.stakeTotal, "locked <= total");
  orders.forEach((o, i) => {
    const [[state, settled, paidAt], [deadline, lastChallengeAt], delivered] = onChain[i]!;
    const name = `${o.label} (${orderStateName(o.observed)} → ${orderStateName(state)})`;
    if (state !== o.observed) {
      assert.ok(LIFECYCLE[o.observed]!.includes(state), `${name}: transition forbidden by the PROTOCOL lifecycle`);
    }
    if (state === S.Paid || state === S.DeliveryDisputed || state === S.Refunded) assert.equal(settled, false, `${name}: settled flag`);
    if (state === S.Settled) assert.equal(settled, true, `${name}: settled flag`);
    if (o.observed !== S.None && o.settled) assert.equal(settled, true, `${name}: settled never resets`);
    o.observed = state;
    assert.equal(orderStateName(state), orderStateName(o.state), `${o.label}: state`);
    assert.equal(settled, o.settled, `${o.label}: settled`);
    assert.equal(paidAt, o.paidAt, `${o.label}: paidAt`);
    assert.equal(deadline, o.deadline, `${o.label}: open deadline`);
    assert.equal(lastChallengeAt, o.lastChallengeAt, `${o.label}: lastChallengeAt`);
    assert.equal(delivered, o.delivered, `${o.label}: isDelivered`);
    if (state === S.None || state === S.DeliveryDisputed) assert.equal(delivered, false, `${name}: not delivered while disputed`);
  });

  // Property 1: balance == escrow + stake + bonds + credits (model), and == Σ in − Σ out (measured).
  let escrow = 0n;
  let bonds = 0n;
  for (const o of orders) {
    const open = o.state === S.Paid || o.state === S.DeliveryDisputed || o.state === S.Challenged;
    if (open && !o.settled) escrow += o.quote.price;
    if (o.state === S.Challenged) bonds += BOND * BigInt(o.chunkIndices.length);
  }
  const credits = withdrawables.reduce((s, w) => s + w, 0n);
  ACTORS.forEach((a, i) => assert.equal(withdrawables[i], withdrawableOf(m, a), `withdrawable(${a})`));
  assert.equal(balance, escrow + m.stakeTotal + bonds + credits,
    `balance ${balance} != escrow ${escrow} + stake ${m.stakeTotal} + bonds ${bonds} + credits ${credits}`);
  const totalIn = ACTORS.reduce((s, a) => s + m.paidIn[a], 0n);
  const totalOut = ACTORS.reduce((s, a) => s + m.withdrawn[a], 0n);
  assert.equal(balance, totalIn - totalOut, "balance == Σ paid in − Σ withdrawn");

  // Property 2: nobody takes out more than they put in plus what they legitimately won.
  for (const [i, a] of ACTORS.entries()) {
    assert.ok(m.withdrawn[a] <= m.paidIn[a] + m.gains[a],
      `${a} withdrew ${m.withdrawn[a]} > paid in ${m.paidIn[a]} + gains ${m.gains[a]}`);
    assert.equal(m.withdrawn[a] + withdrawables[i]!, m.credited[a], `${a}: withdrawn + withdrawable == credited`);
  }
}

async function runSequence(actions: Action[]): Promise<void> {
  await fx.networkHelpers.loadFixture(propertiesBaseline);
  const start = BigInt(await fx.networkHelpers.time.latest());
  const m = initialModel(start, await fx.publicClient.getBalance({ address: fx.contract.address }));
  const log: string[] = [];
  try {
    await checkInvariants(m);
    // "next" and "edge" expand to concrete actions (an edge: a time jump, then the governed action).
    const queue: { i: number; a: Action; head: string }[] = [];
    let n = 0;
    const pending = actions.map((a, i) => ({ i, a }));
    const expand = (i: number, a: Action): { i: number; a: Action; head: string }[] | string => {
      const head = `${String(i).padStart(2)}. ${describeAction(a)}`;
      if (a.kind === "next") {
        const options = nextSteps(m);
        if (options.length === 0) return `${head} → skipped (no open order)`;
        const action = options[a.pick % options.length]!;
        return [{ i, a: action, head: `${head} = ${describeAction(action)}` }];
      }
      if (a.kind === "edge") {
        const options = edges(m);
        if (options.length === 0) return `${head} → skipped (no open window)`;
        const e = options[a.pick % options.length]!;
        const land = a.side === "allowed" ? e.allowedAt : e.deniedAt; // the transaction's timestamp
        const out: { i: number; a: Action; head: string }[] = [];
        if (land - 1n > m.now) {
          out.push({ i, a: { kind: "time", seconds: land - 1n - m.now }, head: `${head} ${e.what}: time+${land - 1n - m.now}s` });
        }
        out.push({ i, a: e.action, head: `${head} ${e.what}: ${describeAction(e.action)}` });
        return out;
      }
      return [{ i, a, head }];
    };
    while (n < pending.length || queue.length > 0) {
      if (queue.length === 0) {
        const { i, a } = pending[n++]!;
        const expanded = expand(i, a);
        if (typeof expanded === "string") {
          log.push(expanded);
          continue;
        }
        queue.push(...expanded);
      }
      const { i, a: action, head } = queue.shift()!;
      const a = actions[i]!;
      if (action.kind === "time") {
        m.now = BigInt(await fx.networkHelpers.time.increase(action.seconds));
        log.push(`${head} → t=${m.now - start}`);
        await checkInvariants(m);
        continue;
      }
      const s = await plan(m, action);
      if (typeof s === "string") {
        log.push(`${head} → skipped (${s})`);
        continue;
      }
      const expectOk = s.reasons.length === 0;
      log.push(`${head} → ${s.text}: expect ${expectOk ? "success" : `revert (${[...new Set(s.reasons)].join(" | ")})`}`);
      const t = m.now + 1n;
      await fx.networkHelpers.time.setNextBlockTimestamp(t);
      let error: unknown;
      try {
        await s.send();
      } catch (e) {
        error = e;
      }
      m.now = t; // mined either way: explicit gas means no estimation, a revert is mined as a failed tx
      const ok = error === undefined;
      const tallyKey = a.kind === "next" || a.kind === "edge" ? `${a.kind}:${action.kind}` : a.kind;
      const tally = outcomes.get(tallyKey) ?? [0, 0];
      tally[ok ? 0 : 1] += 1;
      outcomes.set(tallyKey, tally);
      const reverted = ok ? undefined : shortError(error);
      if (reverted !== undefined) {
        const key = `${action.kind}:${reverted.replace(/^ServerContract/, "").replace(/\(.*$/, "")}`;
        reverts.set(key, (reverts.get(key) ?? 0) + 1);
      }
      log[log.length - 1] += ok ? ", got success" : `, got revert ${reverted}`;
      assert.equal(ok, expectOk, `step ${i}: model expected ${expectOk ? "success" : "revert"} (${s.text})`);
      if (!ok) {
        const matches = (r: string) => reverted === r || reverted!.startsWith(`${r}(`);
        assert.ok(s.reasons.some(matches), `step ${i}: reverted with ${reverted}, model expected one of ${s.reasons.join(", ")}`);
      }
      const before = m.contractBalance;
      const after = await fx.publicClient.getBalance({ address: fx.contract.address });
      if (ok) {
        m.paidIn[s.sender] += s.value;
        if (action.kind === "withdraw") {
          const expected = withdrawableOf(m, s.sender);
          const out = before - after;
          assert.equal(out, expected, `withdraw paid ${out}, model expected ${expected}`);
          m.withdrawn[s.sender] += out;
        } else {
          assert.equal(after, before + s.value, "only withdraw takes money out; msg.value goes in");
        }
        await s.apply(t);
      } else {
        assert.equal(after, before, "a reverted transaction moves no money");
      }
      m.contractBalance = after;
      await checkInvariants(m);
    }
    if (VERBOSE) console.log(`--- sequence ---\n${log.join("\n")}`);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`${msg}\n--- executed actions (t relative to sequence start) ---\n${log.join("\n")}`, { cause: e });
  }
}

describe("ServerContract: model-based properties", () => {
  before(async () => {
    // A bond that an answer's gas sometimes exceeds and sometimes not, so both sides of the split move.
    fx = await deployFixture({ params: { ...testParams, challengeBond: 100_000_000_000_000n } });
    accounts = { owner: fx.owner, alice: fx.alice, bob: fx.bob, stranger: fx.stranger };
    addressOf = {
      owner: getAddress(fx.owner.account.address),
      alice: getAddress(fx.alice.account.address),
      bob: getAddress(fx.bob.account.address),
      stranger: getAddress(fx.stranger.account.address),
      zero: zeroAddress,
      signer: getAddress(fx.signer.account.address),
      newSigner: getAddress(fx.newSigner.account.address),
    };
    const p = await fx.contract.read.params();
    SETTLE_DELAY = p.settleDelay;
    RESPONSE_WINDOW = p.responseWindow;
    COOLDOWN = p.challengeCooldown;
    BOND = p.challengeBond;
    K = p.maxChallengeChunks;
    PARAMS = p;
    [initialStake] = await fx.contract.read.stake();
  });

  it(`random action sequences keep the money, the lifecycle and the stake book consistent (fixed examples + ${NUM_RUNS} random runs)`, async () => {
    const started = performance.now();
    let runs = 0;
    let steps = 0;
    const examples = fixedExamples().map((actions) => [actions] as [Action[]]);
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb(), { minLength: 5, maxLength: 30, size: "max" }), async (actions) => {
        runs += 1;
        steps += actions.length;
        await runSequence(actions);
      }),
      // The fixed examples come first and count as runs: NUM_RUNS random sequences follow them.
      { numRuns: NUM_RUNS + examples.length, examples, seed: SEED, path: PATH, endOnFailure: false },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const tallies = [...outcomes].map(([k, [ok, ko]]) => `${k} ${ok}✓/${ko}✗`).join(", ");
    const revertTallies = [...reverts].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `    properties: ${runs} sequences (${examples.length} fixed + ${Math.max(0, runs - examples.length)} random), ${steps} actions in ${seconds}s\n    outcomes: ${tallies}\n    reverts: ${revertTallies}`,
    );
    // The fixed examples guarantee that the paths of the strict deadlines, the settle delay of
    // release and the delivered flag were taken (and checked against the model).
    if (PATH === undefined) {
      for (const key of ["publish:TooLate", "respond:TooLate", "refund:TooLate", "release:TooEarly", "dispute:AlreadyDelivered"]) {
        assert.ok((reverts.get(key) ?? 0) > 0, `no ${key} revert in ${runs} sequences`);
      }
    }
  });
});
