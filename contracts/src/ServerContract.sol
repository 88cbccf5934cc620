// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleInclusion} from "./MerkleInclusion.sol";

/**
 * @title ServerContract (v2)
 * @notice Fair payment between a storage provider (S-CSP) and its clients.
 *
 * The client pays into escrow against an EIP-712 `Quote` signed by the provider's signer; the
 * quoted fine is locked from the provider's stake before the payment is accepted. The provider
 * answers disputes on chain: a delivery dispute with the signed `Receipt` (σ, carrying the link L),
 * a storage challenge with the chunks the client named and their RFC 6962 inclusion proofs. A
 * provider that stays silent past a deadline pays the fine. All money leaves through {withdraw}.
 *
 * v2 rules: a refund only answers an open delivery dispute; the client names the challenged chunks;
 * the provider is paid its answer's gas out of the bond and the rest returns to the client; fines
 * have an on-chain minimum (enforcement must pay) and caps (a stolen signer key costs at most
 * `fineLockLimit` per `fineLockPeriod`); signer rotation is exact (by signer epoch, i.e. by
 * transaction order); σ is in the `ReceiptPublished` event and not needed again once on chain.
 *
 * Gas design: an order occupies ONE storage slot (state, flags, payment time, signer epoch and a
 * 192-bit commitment to the quote's EIP-712 struct hash). Functions that need the order's terms
 * take the quote as calldata and check it against that commitment. An open dispute or challenge
 * uses a second slot (a third only for challenges naming more than one chunk). Client credits share
 * the client's registration slot, provider earnings share the signer's slot, so no payout ever
 * writes a fresh slot.
 */
contract ServerContract is Ownable2Step, ReentrancyGuardTransient, EIP712 {
    // ───────────────────────────── types ─────────────────────────────

    /// @notice The provider's offer for one order ("payable" of seed step 6). Signed by the signer.
    struct Quote {
        bytes32 orderId;
        address client;
        bytes32 fileRoot;
        uint64 size;
        uint256 price;
        uint256 fine;
        uint64 storageUntil;
        uint64 expiresAt;
    }

    /// @notice Windows, bond and limits fixed at deployment.
    struct Params {
        /// Seconds after payment before the price may be settled to the provider.
        uint64 settleDelay;
        /// Seconds the provider has to answer a delivery dispute or a storage challenge.
        uint64 responseWindow;
        /// Minimum seconds between two storage challenges on one order (anti-griefing).
        uint64 challengeCooldown;
        /// Wei a client deposits per named chunk. On an answer the provider gets its answer's gas out
        /// of it and the rest is credited back to the client.
        uint128 challengeBond;
        /// K: the most chunks one challenge may name (1..7).
        uint64 maxChallengeChunks;
        /// The provider is paid answerGas × basefee × bondMarginPercent / 100 (≥ 100), at most the bond.
        uint64 bondMarginPercent;
        /// The smallest fine a quote may carry: covers a client's whole enforcement gas.
        uint128 minFine;
        /// The largest fine any quote may carry.
        uint128 maxFine;
        /// A fine above minFine may be at most price × maxFineMultiple.
        uint64 maxFineMultiple;
        /// Total fines newly locked in one period may not exceed this (stolen-key cap).
        uint128 fineLockLimit;
        /// Length of that period in seconds.
        uint64 fineLockPeriod;
    }

    enum OrderState {
        None,
        Paid,
        DeliveryDisputed,
        Challenged,
        Settled,
        Refunded,
        Penalized,
        Completed
    }

    /// Packed into one slot: state (8) | flags (8) | paidAt (32) | signerEpoch (16) | commitment (192).
    struct Order {
        OrderState state;
        /// FLAG_SETTLED: the price went to the provider. FLAG_DELIVERED: σ is known on chain.
        uint8 flags;
        uint32 paidAt;
        /// The signer epoch at payment: σ of a signer retired in a later epoch stays valid.
        uint16 signerEpoch;
        uint192 commitment;
    }

    /// Packed into one slot; exists while a dispute or challenge is open, or to remember the cooldown.
    struct Pending {
        uint32 deadline;
        uint32 lastChallengeAt;
        /// Number of chunks the open challenge named; the first index is kept here, the others in
        /// `_moreIndices`.
        uint8 chunkCount;
        uint40 chunkIndex;
        /// Tag of the committed (fileRoot, size, client), so the answer need not repeat the quote.
        uint144 rootTag;
    }

    struct ClientAccount {
        bool registered;
        uint128 credit;
    }

    struct ProviderAccount {
        address signer;
        uint96 earned;
    }

    struct StakeBook {
        uint128 total;
        uint128 locked;
    }

    /// Fines newly locked in the current period, and the signer epoch (bumped by every rotation).
    struct FineWindow {
        uint32 period;
        uint16 signerEpoch;
        uint128 lockedInPeriod;
    }

    struct RetiredSigner {
        uint40 retiredAt;
        /// First signer epoch in which the signer's σ is no longer valid.
        uint16 epoch;
    }

    // ─────────────────────────── constants ───────────────────────────

    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(bytes32 orderId,address client,bytes32 fileRoot,uint64 size,uint256 price,uint256 fine,uint64 storageUntil,uint64 expiresAt)"
    );
    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 orderId,address client,bytes32 fileRoot,uint64 size,uint64 storageUntil,string link)"
    );
    uint256 public constant CHUNK_SIZE = 1024;
    uint8 private constant FLAG_SETTLED = 1;
    uint8 private constant FLAG_DELIVERED = 2;
    /// Chunk indices are kept in 40 bits: files up to 2^40 chunks (1 PiB).
    uint64 public constant MAX_FILE_SIZE = uint64(CHUNK_SIZE) << 40;
    /// Gas of a `respondStorage` transaction, bounded from above (EIP-7623 floor of its calldata plus
    /// execution): ANSWER_GAS_BASE + chunks × (ANSWER_GAS_PER_CHUNK + depth × ANSWER_GAS_PER_NODE).
    uint256 public constant ANSWER_GAS_BASE = 32_000;
    uint256 public constant ANSWER_GAS_PER_CHUNK = 50_000;
    uint256 public constant ANSWER_GAS_PER_NODE = 1_400;
    uint256 private constant MAX_CHALLENGE_CHUNKS = 7;

    uint64 private immutable _settleDelay;
    uint64 private immutable _responseWindow;
    uint64 private immutable _challengeCooldown;
    uint128 private immutable _challengeBond;
    uint64 private immutable _maxChallengeChunks;
    uint64 private immutable _bondMarginPercent;
    uint128 private immutable _minFine;
    uint128 private immutable _maxFine;
    uint64 private immutable _maxFineMultiple;
    uint128 private immutable _fineLockLimit;
    uint64 private immutable _fineLockPeriod;

    // ───────────────────────────── state ─────────────────────────────

    ProviderAccount private _provider;
    StakeBook private _stake;
    FineWindow private _window;
    mapping(address client => ClientAccount) private _clients;
    mapping(bytes32 orderId => Order) private _orders;
    mapping(bytes32 orderId => Pending) private _pending;
    /// Indices 2..7 of an open challenge, 40 bits each.
    mapping(bytes32 orderId => uint256) private _moreIndices;
    mapping(address signer => RetiredSigner) private _retiredSigners;

    // ───────────────────────────── events ────────────────────────────

    event ClientRegistered(address indexed client);
    event ClientDeregistered(address indexed client);
    event StakeDeposited(address indexed from, uint256 amount);
    event StakeWithdrawn(uint256 amount);
    event SignerRotated(address indexed previousSigner, address indexed newSigner);
    event OrderPaid(
        bytes32 indexed orderId,
        address indexed client,
        bytes32 fileRoot,
        uint64 size,
        uint256 price,
        uint256 fine,
        uint64 storageUntil
    );
    event OrderSettled(bytes32 indexed orderId, uint256 price);
    event DeliveryDisputed(bytes32 indexed orderId, uint256 deadline);
    event ReceiptPublished(bytes32 indexed orderId, string link, bytes signature);
    event OrderRefunded(bytes32 indexed orderId, uint256 price);
    event StorageChallenged(bytes32 indexed orderId, uint64[] chunkIndices, uint256 deadline);
    event StorageProven(
        bytes32 indexed orderId,
        bytes32 indexed fileRoot,
        uint64[] chunkIndices,
        uint256 paidToProvider,
        uint256 returnedToClient
    );
    event PenaltyClaimed(bytes32 indexed orderId, address indexed client, uint256 amount);
    event OrderReleased(bytes32 indexed orderId);
    event Withdrawn(address indexed account, uint256 amount);

    // ───────────────────────────── errors ────────────────────────────

    error ServerContractInvalidSigner(address signer);
    error ServerContractInvalidParams();
    error ServerContractInvalidClient(address client);
    error ServerContractAlreadyRegistered(address client);
    error ServerContractNotRegistered(address client);
    error ServerContractZeroAmount();
    error ServerContractInsufficientFreeStake(uint256 needed, uint256 available);
    error ServerContractUnauthorized(address caller);
    error ServerContractQuoteExpired(uint64 expiresAt);
    error ServerContractInvalidStorageUntil(uint64 storageUntil);
    error ServerContractInvalidSize(uint64 size);
    error ServerContractOrderExists(bytes32 orderId);
    error ServerContractIncorrectPayment(uint256 expected, uint256 received);
    error ServerContractInvalidQuoteSignature(address recovered);
    error ServerContractInvalidReceiptSignature(address recovered);
    error ServerContractUnknownOrder(bytes32 orderId);
    error ServerContractTermsMismatch(bytes32 orderId);
    error ServerContractInvalidState(bytes32 orderId, OrderState state);
    error ServerContractTooEarly(uint256 availableAt);
    error ServerContractTooLate(uint256 deadline);
    error ServerContractAlreadyDelivered(bytes32 orderId);
    error ServerContractChallengeCooldown(uint256 availableAt);
    error ServerContractInvalidChunk(bytes32 orderId);
    error ServerContractInvalidProof(bytes32 orderId);
    error ServerContractNothingToWithdraw(address account);
    error ServerContractTransferFailed(address account, uint256 amount);
    error ServerContractAmountOverflow(uint256 amount);
    error ServerContractRenounceDisabled();
    error ServerContractInvalidChunkCount(uint256 count, uint256 max);
    error ServerContractChunkOutOfRange(uint256 chunkIndex, uint256 chunkCount);
    error ServerContractFineTooLow(uint256 fine, uint256 minFine);
    error ServerContractFineTooHigh(uint256 fine, uint256 maxFine);
    error ServerContractFineLockLimit(uint256 needed, uint256 available);
    error ServerContractLengthMismatch(uint256 expected, uint256 received);

    // ─────────────────────────── construction ────────────────────────

    /**
     * @notice Deploys the contract for the provider (the deployer becomes owner); `msg.value` is the
     * initial stake (seed step 1).
     * @param signer_ key that signs quotes and receipts (may equal the owner)
     * @param params_ windows, bond and limits, immutable for the life of the contract
     */
    constructor(address signer_, Params memory params_) payable Ownable(msg.sender) EIP712("Pekanu", "1") {
        if (signer_ == address(0)) revert ServerContractInvalidSigner(signer_);
        if (
            params_.responseWindow == 0 || params_.settleDelay == 0 || params_.maxChallengeChunks == 0
                || params_.maxChallengeChunks > MAX_CHALLENGE_CHUNKS || params_.bondMarginPercent < 100
                || params_.bondMarginPercent > 10_000 || params_.challengeBond > 100 ether || params_.minFine > params_.maxFine
                || params_.maxFineMultiple == 0 || params_.fineLockPeriod == 0 || params_.fineLockLimit == 0
                || params_.responseWindow > type(uint32).max || params_.challengeCooldown > type(uint32).max
        ) revert ServerContractInvalidParams();
        _settleDelay = params_.settleDelay;
        _responseWindow = params_.responseWindow;
        _challengeCooldown = params_.challengeCooldown;
        _challengeBond = params_.challengeBond;
        _maxChallengeChunks = params_.maxChallengeChunks;
        _bondMarginPercent = params_.bondMarginPercent;
        _minFine = params_.minFine;
        _maxFine = params_.maxFine;
        _maxFineMultiple = params_.maxFineMultiple;
        _fineLockLimit = params_.fineLockLimit;
        _fineLockPeriod = params_.fineLockPeriod;
        _provider.signer = signer_;
        // Never a zero slot: the first payment pays for an update, not a fresh slot.
        _window.period = uint32(block.timestamp / params_.fineLockPeriod) | 1;
        emit SignerRotated(address(0), signer_);
        if (msg.value > 0) {
            _stake.total = _toUint128(msg.value);
            emit StakeDeposited(msg.sender, msg.value);
        }
    }

    // ─────────────────────────── registration ────────────────────────

    /**
     * @notice Authorises `client` to pay for orders (seed step 3). Owner only.
     * @dev The transaction hash is what the client checks in seed step 7.
     */
    function registerClient(address client) external onlyOwner {
        if (client == address(0)) revert ServerContractInvalidClient(client);
        ClientAccount storage account = _clients[client];
        if (account.registered) revert ServerContractAlreadyRegistered(client);
        account.registered = true;
        emit ClientRegistered(client);
    }

    /**
     * @notice Registers many clients at once. Owner only. Already registered clients are skipped,
     * so a retried batch is harmless; the zero address reverts the whole batch.
     */
    function registerClients(address[] calldata clients) external onlyOwner {
        for (uint256 i = 0; i < clients.length; ++i) {
            address client = clients[i];
            if (client == address(0)) revert ServerContractInvalidClient(client);
            ClientAccount storage account = _clients[client];
            if (!account.registered) {
                account.registered = true;
                emit ClientRegistered(client);
            }
        }
    }

    /**
     * @notice Withdraws `client`'s authorisation to pay for new orders. Owner only. Orders already
     * paid and credits already owed are not affected.
     */
    function deregisterClient(address client) external onlyOwner {
        ClientAccount storage account = _clients[client];
        if (!account.registered) revert ServerContractNotRegistered(client);
        account.registered = false;
        emit ClientDeregistered(client);
    }

    /**
     * @notice Disabled: without an owner no refund could be made and the stake and earnings would be
     * stuck forever. Ownership can still be handed over with {transferOwnership}.
     */
    function renounceOwnership() public pure override {
        revert ServerContractRenounceDisabled();
    }

    /// @notice Whether `client` may pay for new orders.
    function isRegistered(address client) external view returns (bool) {
        return _clients[client].registered;
    }

    // ───────────────────────────── stake ─────────────────────────────

    /// @notice Adds `msg.value` to the provider's stake. Owner only.
    function depositStake() external payable onlyOwner {
        if (msg.value == 0) revert ServerContractZeroAmount();
        _stake.total += _toUint128(msg.value);
        emit StakeDeposited(msg.sender, msg.value);
    }

    /**
     * @notice Moves `amount` of unlocked stake to the owner's withdrawable balance. Owner only.
     * Stake that backs fines of open orders cannot be withdrawn.
     */
    function withdrawStake(uint256 amount) external onlyOwner {
        if (amount == 0) revert ServerContractZeroAmount();
        StakeBook memory book = _stake;
        uint256 free = book.total - book.locked;
        if (amount > free) revert ServerContractInsufficientFreeStake(amount, free);
        _stake.total = book.total - uint128(amount);
        _provider.earned += _toUint96(amount);
        emit StakeWithdrawn(amount);
    }

    /**
     * @notice Replaces the key that signs quotes and receipts. Owner only.
     * @dev Exact by transaction order: the retired signer's σ stays valid for orders paid before this
     * transaction (even in the same block or second), and is worthless for every order paid after it;
     * its quotes can no longer be paid at all. So rotating never frees the provider from answering
     * for earlier orders, and a stolen key's later signatures are worthless.
     */
    function rotateSigner(address newSigner) external onlyOwner {
        address previous = _provider.signer;
        if (newSigner == address(0) || newSigner == previous) revert ServerContractInvalidSigner(newSigner);
        uint16 epoch = _window.signerEpoch + 1;
        _window.signerEpoch = epoch;
        _provider.signer = newSigner;
        _retiredSigners[previous] = RetiredSigner({retiredAt: uint40(block.timestamp), epoch: epoch});
        delete _retiredSigners[newSigner];
        emit SignerRotated(previous, newSigner);
    }

    // ───────────────────────────── orders ────────────────────────────

    /**
     * @notice Pays for an order at the quoted price (seed step 9). The sender must be the quote's
     * registered client, the quote unexpired, unused and signed by the current signer, its fine
     * within the on-chain bounds, `msg.value` exactly the price; the fine is locked from free stake.
     * @param quote the provider's signed offer
     * @param quoteSignature the signer's EIP-712 signature of `quote`
     */
    function pay(Quote calldata quote, bytes calldata quoteSignature) external payable {
        FineWindow memory window = _window;
        _acceptQuote(quote, quoteSignature, _provider.signer, window.signerEpoch);
        if (msg.value != quote.price) revert ServerContractIncorrectPayment(quote.price, msg.value);
        _lockFines(quote.fine, window);
    }

    /**
     * @notice Pays several quotes in one transaction (one wallet confirmation for a folder); all or
     * nothing. `msg.value` must be the sum of the prices.
     * @param quotes the provider's signed offers, all for the sender
     * @param quoteSignatures the signer's signature of each quote, in the same order
     */
    function payBatch(Quote[] calldata quotes, bytes[] calldata quoteSignatures) external payable {
        uint256 n = quotes.length;
        if (n == 0) revert ServerContractZeroAmount();
        if (quoteSignatures.length != n) revert ServerContractLengthMismatch(n, quoteSignatures.length);
        FineWindow memory window = _window;
        address signer_ = _provider.signer;
        uint256 total;
        uint256 fines;
        for (uint256 i = 0; i < n; ++i) {
            Quote calldata quote = quotes[i];
            _acceptQuote(quote, quoteSignatures[i], signer_, window.signerEpoch);
            total += quote.price;
            fines += quote.fine;
        }
        if (msg.value != total) revert ServerContractIncorrectPayment(total, msg.value);
        _lockFines(fines, window);
    }

    /**
     * @notice Makes an undisputed order's price withdrawable by the provider once `settleDelay` has
     * passed since payment. Anyone may call it; it only moves escrow the provider has earned.
     */
    function settle(Quote calldata quote) external {
        _provider.earned += _toUint96(_settle(quote));
    }

    /**
     * @notice Settles many orders at once; reverts on the first order that cannot be settled.
     * Anyone may call it.
     */
    function settleBatch(Quote[] calldata quotes) external {
        uint256 total;
        for (uint256 i = 0; i < quotes.length; ++i) {
            total += _settle(quotes[i]);
        }
        _provider.earned += _toUint96(total);
    }

    /**
     * @notice The client says the content was never accepted (no σ). Opens a `responseWindow` in
     * which the provider must publish σ or refund. Client only, before settlement, and only while
     * no σ for the order has been shown on chain.
     */
    function disputeDelivery(Quote calldata quote) external {
        Order storage order = _loadOrder(quote);
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        if (order.state != OrderState.Paid) revert ServerContractInvalidState(quote.orderId, order.state);
        // Once σ is known on chain the content was accepted: a new dispute could only be griefing.
        if (order.flags & FLAG_DELIVERED != 0) revert ServerContractAlreadyDelivered(quote.orderId);
        order.state = OrderState.DeliveryDisputed;
        uint256 deadline = block.timestamp + _responseWindow;
        _pending[quote.orderId].deadline = uint32(deadline);
        emit DeliveryDisputed(quote.orderId, deadline);
    }

    /**
     * @notice Answers a delivery dispute with the provider's signed receipt σ, before the dispute's
     * deadline. Anyone may submit it: σ authenticates itself. The event carries the link L and σ,
     * so a client that never received σ off chain recovers it from the log.
     * @param quote the order's terms
     * @param link the link pointer L signed in σ
     * @param receiptSignature σ, the EIP-712 signature of the Receipt
     */
    function publishReceipt(Quote calldata quote, string calldata link, bytes calldata receiptSignature) external {
        Order storage order = _loadOrder(quote);
        if (order.state != OrderState.DeliveryDisputed) {
            revert ServerContractInvalidState(quote.orderId, order.state);
        }
        uint256 deadline = _pending[quote.orderId].deadline;
        if (block.timestamp > deadline) revert ServerContractTooLate(deadline);
        _checkReceipt(quote, link, receiptSignature, order.signerEpoch);
        order.state = OrderState.Paid;
        order.flags |= FLAG_DELIVERED;
        _pending[quote.orderId].deadline = 0;
        emit ReceiptPublished(quote.orderId, link, receiptSignature);
    }

    /**
     * @notice The provider returns the price in answer to an open delivery dispute, before its
     * deadline; the fine is unlocked. Owner only. Refused in every other state: a refund is never a
     * way around a storage challenge, nor possible once σ is on chain.
     */
    function refund(Quote calldata quote) external onlyOwner {
        Order storage order = _loadOrder(quote);
        if (order.state != OrderState.DeliveryDisputed) {
            revert ServerContractInvalidState(quote.orderId, order.state);
        }
        // Past the deadline the client is owed price + fine: a refund may not cut that short.
        uint256 deadline = _pending[quote.orderId].deadline;
        if (block.timestamp > deadline) revert ServerContractTooLate(deadline);
        _pending[quote.orderId].deadline = 0;
        order.state = OrderState.Refunded;
        _stake.locked -= uint128(quote.fine);
        _clients[quote.client].credit += _toUint128(quote.price);
        emit OrderRefunded(quote.orderId, quote.price);
    }

    /**
     * @notice The client challenges the provider to prove it still stores the file, naming 1..K chunk
     * indices (typically the one its free audit failed on, or chunks not yet revealed) and depositing
     * `challengeBond` per index; an answer pays the provider its gas out of it and returns the rest
     * (see {respondStorage}), no answer returns all of it with the penalty. σ is needed only while it was never shown on chain (see {isDelivered});
     * afterwards `link` and `receiptSignature` may be empty. Client only, before `storageUntil`, one
     * open challenge per order, at most one per `challengeCooldown`.
     * @param quote the order's terms
     * @param link the link pointer L signed in σ (ignored once delivered)
     * @param receiptSignature σ (ignored once delivered)
     * @param chunkIndices the challenged chunk indices, each below the file's chunk count
     */
    function challengeStorage(
        Quote calldata quote,
        string calldata link,
        bytes calldata receiptSignature,
        uint64[] calldata chunkIndices
    ) external payable {
        Order storage order = _loadOrder(quote);
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        OrderState state = order.state;
        if (state != OrderState.Paid && state != OrderState.Settled) {
            revert ServerContractInvalidState(quote.orderId, state);
        }
        if (block.timestamp >= quote.storageUntil) revert ServerContractTooLate(quote.storageUntil);
        uint256 count = chunkIndices.length;
        if (count == 0 || count > _maxChallengeChunks) {
            revert ServerContractInvalidChunkCount(count, _maxChallengeChunks);
        }
        uint256 bond = uint256(_challengeBond) * count;
        if (msg.value != bond) revert ServerContractIncorrectPayment(bond, msg.value);
        uint256 last = _pending[quote.orderId].lastChallengeAt;
        if (last != 0 && block.timestamp < last + _challengeCooldown) {
            revert ServerContractChallengeCooldown(last + _challengeCooldown);
        }
        uint8 flags = order.flags;
        if (flags & FLAG_DELIVERED == 0) _checkReceipt(quote, link, receiptSignature, order.signerEpoch);
        order.state = OrderState.Challenged;
        order.flags = flags | FLAG_DELIVERED;
        _openChallenge(quote, chunkIndices);
    }

    /**
     * @notice Answers an open storage challenge, before its deadline, with one chunk and its RFC 6962
     * inclusion proof per named index, in the order they were named. Anyone may submit it: the
     * proofs authenticate themselves. Out of the bond the provider is paid what the answer costs,
     * min(bond, answerGas × basefee × bondMarginPercent / 100), and the rest is credited back to the
     * client. The event names the file root and the indices: those chunks are public from now on.
     * @param orderId the challenged order
     * @param size the file size in bytes, as committed in the order
     * @param chunks the challenged 1024-byte chunks (the last chunk of the file may be shorter)
     * @param proofs each chunk's audit path from the leaf upward (RFC 9162 §2.1.3)
     * @param client the order's client (bound by the challenge; credited the rest of the bond)
     */
    function respondStorage(
        bytes32 orderId,
        uint64 size,
        bytes[] calldata chunks,
        bytes32[][] calldata proofs,
        address client
    ) external {
        Order storage order = _orders[orderId];
        if (order.state != OrderState.Challenged) revert ServerContractInvalidState(orderId, order.state);
        Pending memory pending = _pending[orderId];
        if (block.timestamp > pending.deadline) revert ServerContractTooLate(pending.deadline);
        uint256 count = pending.chunkCount;
        if (chunks.length != count) revert ServerContractLengthMismatch(count, chunks.length);
        if (proofs.length != count) revert ServerContractLengthMismatch(count, proofs.length);
        (bytes32 root, uint64[] memory indices) = _provenRoot(orderId, size, pending, chunks, proofs);
        if (_rootTag(root, size, client) != pending.rootTag) revert ServerContractInvalidProof(orderId);

        // The pending slot is left as it is (pendingOf reports no deadline once the order is not
        // open): the answer stays below its calldata floor.
        order.state = order.flags & FLAG_SETTLED != 0 ? OrderState.Settled : OrderState.Paid;
        _payAnswer(orderId, root, indices, proofs, client);
    }

    /**
     * @notice The client collects the penalty after the provider left a delivery dispute or a
     * storage challenge unanswered past its deadline (seed step 14): the unsettled price, the fine
     * and the whole bond become the client's credit. Client only.
     */
    function claimPenalty(Quote calldata quote) external {
        Order storage order = _loadOrder(quote);
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        OrderState state = order.state;
        if (state != OrderState.DeliveryDisputed && state != OrderState.Challenged) {
            revert ServerContractInvalidState(quote.orderId, state);
        }
        Pending memory pending = _pending[quote.orderId];
        if (block.timestamp <= pending.deadline) revert ServerContractTooEarly(uint256(pending.deadline) + 1);

        uint256 amount = quote.fine;
        if (order.flags & FLAG_SETTLED == 0) amount += quote.price;
        if (state == OrderState.Challenged) amount += uint256(_challengeBond) * pending.chunkCount;
        order.state = OrderState.Penalized;
        delete _pending[quote.orderId];
        if (pending.chunkCount > 1) delete _moreIndices[quote.orderId];
        StakeBook memory book = _stake;
        _stake = StakeBook({total: book.total - uint128(quote.fine), locked: book.locked - uint128(quote.fine)});
        _clients[quote.client].credit += _toUint128(amount);
        emit PenaltyClaimed(quote.orderId, quote.client, amount);
    }

    /**
     * @notice Ends an order after `storageUntil` when nothing is open: an unsettled price goes to
     * the provider (never earlier than `settleDelay` after payment) and the fine is unlocked.
     * Anyone may call it.
     */
    function release(Quote calldata quote) external {
        (uint256 earned, uint256 fine) = _release(quote);
        if (earned != 0) _provider.earned += _toUint96(earned);
        _stake.locked -= uint128(fine);
    }

    /**
     * @notice Releases many orders at once; reverts on the first order that cannot be released.
     * Anyone may call it.
     */
    function releaseBatch(Quote[] calldata quotes) external {
        uint256 earned;
        uint256 fines;
        for (uint256 i = 0; i < quotes.length; ++i) {
            (uint256 e, uint256 f) = _release(quotes[i]);
            earned += e;
            fines += f;
        }
        if (earned != 0) _provider.earned += _toUint96(earned);
        _stake.locked -= uint128(fines);
    }

    /**
     * @notice Pays out everything owed to the caller: a client's refunds, bond returns and penalties,
     * and for the owner the settled prices, answer pay and withdrawn stake. Pull payment,
     * reentrancy-guarded.
     */
    function withdraw() external nonReentrant {
        uint256 amount = _clients[msg.sender].credit;
        if (amount != 0) _clients[msg.sender].credit = 0;
        if (msg.sender == owner()) {
            uint256 earned = _provider.earned;
            if (earned != 0) {
                amount += earned;
                _provider.earned = 0;
            }
        }
        if (amount == 0) revert ServerContractNothingToWithdraw(msg.sender);
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert ServerContractTransferFailed(msg.sender, amount);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @notice The key that currently signs quotes and receipts.
    function signer() external view returns (address) {
        return _provider.signer;
    }

    /// @notice The windows, bond and limits fixed at deployment.
    function params() external view returns (Params memory) {
        return Params({
            settleDelay: _settleDelay,
            responseWindow: _responseWindow,
            challengeCooldown: _challengeCooldown,
            challengeBond: _challengeBond,
            maxChallengeChunks: _maxChallengeChunks,
            bondMarginPercent: _bondMarginPercent,
            minFine: _minFine,
            maxFine: _maxFine,
            maxFineMultiple: _maxFineMultiple,
            fineLockLimit: _fineLockLimit,
            fineLockPeriod: _fineLockPeriod
        });
    }

    /// @notice Total stake and the part locked as fines of open orders.
    function stake() external view returns (uint256 total, uint256 locked) {
        return (_stake.total, _stake.locked);
    }

    /// @notice Fines newly locked in the current period, and how much more may be locked in it.
    function fineWindow() external view returns (uint256 lockedInPeriod, uint256 available) {
        FineWindow memory window = _window;
        lockedInPeriod = window.period == uint32(block.timestamp / _fineLockPeriod) ? window.lockedInPeriod : 0;
        available = _fineLockLimit - lockedInPeriod;
    }

    /// @notice The largest fine a quote at `price` may carry.
    function maxFineFor(uint256 price) public view returns (uint256) {
        uint256 byPrice = price > type(uint128).max ? type(uint256).max : price * _maxFineMultiple;
        uint256 cap = byPrice > _minFine ? byPrice : _minFine;
        return cap < _maxFine ? cap : _maxFine;
    }

    /**
     * @notice How an answer to a challenge naming `count` chunks of a `size`-byte file splits the bond
     * at base fee `baseFee`: the answer's gas bound, the provider's pay, the part credited back.
     */
    function bondSplit(uint64 size, uint256 count, uint256 baseFee)
        external
        view
        returns (uint256 answerGas, uint256 toProvider, uint256 toClient)
    {
        answerGas = _answerGas(_chunkCount(size), count);
        uint256 bond = uint256(_challengeBond) * count;
        toProvider = _providerShare(answerGas * baseFee, bond);
        toClient = bond - toProvider;
    }

    /// @notice What `account` could withdraw now.
    function withdrawable(address account) external view returns (uint256 amount) {
        amount = _clients[account].credit;
        if (account == owner()) amount += _provider.earned;
    }

    /// @notice Whether σ for the order has been shown on chain (published or used in a challenge).
    function isDelivered(bytes32 orderId) external view returns (bool) {
        return _orders[orderId].flags & FLAG_DELIVERED != 0;
    }

    /// @notice An order's state, whether its price was settled, its payment time and commitment.
    function orderOf(bytes32 orderId)
        external
        view
        returns (OrderState state, bool settled, uint256 paidAt, uint256 commitment)
    {
        Order memory order = _orders[orderId];
        return (order.state, order.flags & FLAG_SETTLED != 0, order.paidAt, order.commitment);
    }

    /**
     * @notice The open deadline (0 when nothing is open), the last challenge time, the first named
     * chunk index, all indices the last challenge named, and the bond the open challenge holds (0
     * when none is open).
     */
    function pendingOf(bytes32 orderId)
        external
        view
        returns (
            uint256 deadline,
            uint256 lastChallengeAt,
            uint256 chunkIndex,
            uint64[] memory chunkIndices,
            uint256 bondHeld
        )
    {
        Pending memory pending = _pending[orderId];
        uint256 more = _moreIndices[orderId];
        chunkIndices = new uint64[](pending.chunkCount);
        for (uint256 i = 0; i < chunkIndices.length; ++i) {
            chunkIndices[i] = i == 0 ? uint64(pending.chunkIndex) : uint64(uint40(more >> (40 * (i - 1))));
        }
        OrderState state = _orders[orderId].state;
        bondHeld = state == OrderState.Challenged ? uint256(_challengeBond) * pending.chunkCount : 0;
        deadline = state == OrderState.Challenged || state == OrderState.DeliveryDisputed ? pending.deadline : 0;
        return (deadline, pending.lastChallengeAt, pending.chunkIndex, chunkIndices, bondHeld);
    }

    /// @notice When `signer_` was rotated out (0 if it never was, or is current again).
    function signerRetiredAt(address signer_) external view returns (uint256) {
        return _retiredSigners[signer_].retiredAt;
    }

    /// @notice Whether σ signed by `signer_` is accepted for the order (current signer, or a signer
    /// retired after the order was paid).
    function acceptsReceiptSigner(bytes32 orderId, address signer_) external view returns (bool) {
        if (signer_ == _provider.signer) return true;
        uint16 epoch = _retiredSigners[signer_].epoch;
        return epoch != 0 && _orders[orderId].state != OrderState.None && _orders[orderId].signerEpoch < epoch;
    }

    /// @notice The EIP-712 struct hash of `quote`, whose low 192 bits are the order commitment.
    function quoteHash(Quote calldata quote) external pure returns (bytes32) {
        return _quoteStructHash(quote);
    }

    // ─────────────────────────── internals ───────────────────────────

    /// Every per-order check of a payment, and the order's slot; the value and the stake are
    /// checked by the caller (once per batch).
    function _acceptQuote(Quote calldata quote, bytes calldata quoteSignature, address signer_, uint16 epoch)
        private
    {
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        if (!_clients[msg.sender].registered) revert ServerContractNotRegistered(msg.sender);
        if (block.timestamp > quote.expiresAt) revert ServerContractQuoteExpired(quote.expiresAt);
        if (quote.storageUntil <= block.timestamp) revert ServerContractInvalidStorageUntil(quote.storageUntil);
        if (quote.size > MAX_FILE_SIZE) revert ServerContractInvalidSize(quote.size);
        Order storage order = _orders[quote.orderId];
        if (order.state != OrderState.None) revert ServerContractOrderExists(quote.orderId);
        // The provider's earnings are 96 bits: refuse a price that could never be settled.
        if (quote.price > type(uint96).max) revert ServerContractAmountOverflow(quote.price);
        _checkFine(quote.price, quote.fine);

        bytes32 structHash = _quoteStructHash(quote);
        {
            address recovered = ECDSA.recover(_hashTypedDataV4(structHash), quoteSignature);
            if (recovered != signer_) revert ServerContractInvalidQuoteSignature(recovered);
        }

        order.state = OrderState.Paid;
        order.paidAt = uint32(block.timestamp);
        order.signerEpoch = epoch;
        order.commitment = uint192(uint256(structHash));
        emit OrderPaid(
            quote.orderId, quote.client, quote.fileRoot, quote.size, quote.price, quote.fine, quote.storageUntil
        );
    }

    /// A fine must make enforcement worth it (minFine) and be capped (stolen-key bound).
    function _checkFine(uint256 price, uint256 fine) private view {
        if (fine < _minFine) revert ServerContractFineTooLow(fine, _minFine);
        uint256 maxFine = maxFineFor(price);
        if (fine > maxFine) revert ServerContractFineTooHigh(fine, maxFine);
    }

    /// Locks `fines` from free stake, within the per-period limit of newly locked fines.
    function _lockFines(uint256 fines, FineWindow memory window) private {
        StakeBook memory book = _stake;
        uint256 free = book.total - book.locked;
        if (fines > free) revert ServerContractInsufficientFreeStake(fines, free);
        uint32 period = uint32(block.timestamp / _fineLockPeriod);
        uint256 used = window.period == period ? window.lockedInPeriod : 0;
        if (fines > _fineLockLimit - used) revert ServerContractFineLockLimit(fines, _fineLockLimit - used);
        _stake.locked = book.locked + uint128(fines);
        _window = FineWindow({period: period, signerEpoch: window.signerEpoch, lockedInPeriod: uint128(used + fines)});
    }

    function _settle(Quote calldata quote) private returns (uint256 price) {
        Order storage order = _loadOrder(quote);
        if (order.state != OrderState.Paid) revert ServerContractInvalidState(quote.orderId, order.state);
        uint256 availableAt = uint256(order.paidAt) + _settleDelay;
        if (block.timestamp < availableAt) revert ServerContractTooEarly(availableAt);
        order.state = OrderState.Settled;
        order.flags |= FLAG_SETTLED;
        price = quote.price;
        emit OrderSettled(quote.orderId, price);
    }

    function _release(Quote calldata quote) private returns (uint256 earned, uint256 fine) {
        Order storage order = _loadOrder(quote);
        OrderState state = order.state;
        if (state != OrderState.Paid && state != OrderState.Settled) {
            revert ServerContractInvalidState(quote.orderId, state);
        }
        if (block.timestamp < quote.storageUntil) revert ServerContractTooEarly(quote.storageUntil);
        if (order.flags & FLAG_SETTLED == 0) {
            // The client's window to dispute delivery is never shorter than settleDelay.
            uint256 settleAt = uint256(order.paidAt) + _settleDelay;
            if (block.timestamp < settleAt) revert ServerContractTooEarly(settleAt);
            earned = quote.price;
        }
        order.state = OrderState.Completed;
        fine = quote.fine;
        emit OrderReleased(quote.orderId);
    }

    /// Records an open challenge: the named indices and the tag of the committed root.
    function _openChallenge(Quote calldata quote, uint64[] calldata chunkIndices) private {
        uint256 count = chunkIndices.length;
        uint256 chunks = _chunkCount(quote.size);
        uint256 more;
        for (uint256 i = 0; i < count; ++i) {
            uint256 index = chunkIndices[i];
            if (index >= chunks) revert ServerContractChunkOutOfRange(index, chunks);
            if (i != 0) more |= index << (40 * (i - 1));
        }
        if (count > 1) _moreIndices[quote.orderId] = more;
        uint256 deadline = block.timestamp + _responseWindow;
        _pending[quote.orderId] = Pending({
            deadline: uint32(deadline),
            lastChallengeAt: uint32(block.timestamp),
            chunkCount: uint8(count),
            chunkIndex: uint40(chunkIndices[0]),
            rootTag: _rootTag(quote.fileRoot, quote.size, quote.client)
        });
        emit StorageChallenged(quote.orderId, chunkIndices, deadline);
    }

    /// Splits the bond of an answered challenge: the answer's cost to the provider, the rest back.
    function _payAnswer(
        bytes32 orderId,
        bytes32 root,
        uint64[] memory indices,
        bytes32[][] calldata proofs,
        address client
    ) private {
        uint256 count = indices.length;
        uint256 bond = uint256(_challengeBond) * count;
        // The answer's gas bound from its actual proof lengths (each at most ⌈log2(chunks)⌉).
        uint256 gasBound = ANSWER_GAS_BASE + count * ANSWER_GAS_PER_CHUNK;
        for (uint256 i = 0; i < count; ++i) {
            gasBound += proofs[i].length * ANSWER_GAS_PER_NODE;
        }
        uint256 paid = _providerShare(gasBound * block.basefee, bond);
        if (paid != 0) _provider.earned += _toUint96(paid);
        if (bond != paid) _clients[client].credit += uint128(bond - paid);
        emit StorageProven(orderId, root, indices, paid, bond - paid);
    }

    /// The root every answered chunk proves (all must agree), and the indices they answer.
    function _provenRoot(
        bytes32 orderId,
        uint64 size,
        Pending memory pending,
        bytes[] calldata chunks,
        bytes32[][] calldata proofs
    ) private view returns (bytes32 root, uint64[] memory indices) {
        uint256 count = pending.chunkCount;
        uint256 more = count > 1 ? _moreIndices[orderId] : 0;
        indices = new uint64[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 index = i == 0 ? pending.chunkIndex : uint40(more >> (40 * (i - 1)));
            indices[i] = uint64(index);
            bytes32 r = _chunkRoot(orderId, size, index, chunks[i], proofs[i]);
            if (i != 0 && r != root) revert ServerContractInvalidProof(orderId);
            root = r;
        }
    }

    function _chunkRoot(bytes32 orderId, uint64 size, uint256 index, bytes calldata chunk, bytes32[] calldata proof)
        private
        view
        returns (bytes32)
    {
        uint256 total = _chunkCount(size);
        uint256 expectedLength = index + 1 < total ? CHUNK_SIZE : size - (total - 1) * CHUNK_SIZE;
        if (index >= total || chunk.length != expectedLength) revert ServerContractInvalidChunk(orderId);
        (bool ok, bytes32 root) = MerkleInclusion.rootFromProof(MerkleInclusion.leafHash(chunk), index, total, proof);
        if (!ok) revert ServerContractInvalidProof(orderId);
        return root;
    }

    function _loadOrder(Quote calldata quote) private view returns (Order storage order) {
        order = _orders[quote.orderId];
        if (order.state == OrderState.None) revert ServerContractUnknownOrder(quote.orderId);
        if (order.commitment != uint192(uint256(_quoteStructHash(quote)))) {
            revert ServerContractTermsMismatch(quote.orderId);
        }
    }

    /// σ must come from the current signer, or from a signer retired in a later epoch than the
    /// order's payment.
    function _checkReceipt(Quote calldata quote, string calldata link, bytes calldata signature, uint16 paidEpoch)
        private
        view
    {
        bytes32 structHash = keccak256(
            abi.encode(
                RECEIPT_TYPEHASH,
                quote.orderId,
                quote.client,
                quote.fileRoot,
                quote.size,
                quote.storageUntil,
                keccak256(bytes(link))
            )
        );
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(_hashTypedDataV4(structHash), signature);
        if (err != ECDSA.RecoverError.NoError) revert ServerContractInvalidReceiptSignature(address(0));
        if (recovered == _provider.signer) return;
        uint16 retiredEpoch = _retiredSigners[recovered].epoch;
        if (retiredEpoch == 0 || paidEpoch >= retiredEpoch) revert ServerContractInvalidReceiptSignature(recovered);
    }

    function _quoteStructHash(Quote calldata quote) private pure returns (bytes32 h) {
        bytes32 typeHash = QUOTE_TYPEHASH;
        // abi.encode(typeHash, quote) without a memory copy per field: the struct's 8 static words
        // sit contiguously in calldata.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), quote, 0x100)
            h := keccak256(ptr, 0x120)
        }
    }

    /// A 144-bit tag of the committed root, size and client kept with an open challenge, so the
    /// answer need not repeat the quote. Forging an answer means a second preimage of 144 bits.
    function _rootTag(bytes32 root, uint64 size, address client) private pure returns (uint144) {
        return uint144(uint256(keccak256(abi.encode(root, size, client))));
    }

    /// Upper bound of the gas of an answer naming `count` chunks of a file of `chunks` chunks.
    function _answerGas(uint256 chunks, uint256 count) private pure returns (uint256) {
        uint256 depth;
        for (uint256 m = chunks - 1; m != 0; m >>= 1) ++depth;
        return ANSWER_GAS_BASE + count * (ANSWER_GAS_PER_CHUNK + depth * ANSWER_GAS_PER_NODE);
    }

    /// The provider's part of `bond`: the answer's cost at base fee × margin, at most the bond, and
    /// at least 1 wei: with a base fee of 0 (how eth_estimateGas runs on Hardhat, and on geth without
    /// fee fields) the answer must write the same slots as when mined, or its gas is underestimated.
    function _providerShare(uint256 costAtBaseFee, uint256 bond) private view returns (uint256) {
        uint256 share = costAtBaseFee * _bondMarginPercent / 100;
        if (share == 0) share = 1;
        return share < bond ? share : bond;
    }

    function _chunkCount(uint64 size) private pure returns (uint256) {
        return size == 0 ? 1 : (uint256(size) + CHUNK_SIZE - 1) / CHUNK_SIZE;
    }

    function _toUint128(uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max) revert ServerContractAmountOverflow(amount);
        return uint128(amount);
    }

    function _toUint96(uint256 amount) private pure returns (uint96) {
        if (amount > type(uint96).max) revert ServerContractAmountOverflow(amount);
        return uint96(amount);
    }
}
