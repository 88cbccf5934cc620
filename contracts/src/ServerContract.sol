// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleInclusion} from "./MerkleInclusion.sol";

/**
 * @title ServerContract
 * @notice Fair payment between a storage provider (S-CSP) and its clients.
 *
 * The client pays into escrow against an EIP-712 `Quote` signed by the provider's signer; the
 * quoted fine is locked from the provider's stake before the payment is accepted. The provider
 * answers disputes on chain: a delivery dispute with the signed `Receipt` (σ, carrying the link L),
 * a storage challenge with the challenged 1 KiB chunk and its RFC 6962 inclusion proof. A provider
 * that stays silent past a deadline pays the fine. All money leaves through {withdraw}.
 *
 * Gas design: an order occupies ONE storage slot (state, flags, payment time and a 200-bit
 * commitment to the quote's EIP-712 struct hash). Functions that need the order's terms take the
 * quote as calldata and check it against that commitment. An open dispute or challenge uses a
 * second slot. Client credits share the client's registration slot, provider earnings share the
 * signer's slot, so no payout ever writes a fresh slot.
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
        /// Wei a client deposits with each storage challenge; paid to the provider on a valid answer.
        uint128 challengeBond;
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

    /// Packed into one slot: state (8) | flags (8) | paidAt (40) | commitment (200).
    struct Order {
        OrderState state;
        /// FLAG_SETTLED: the price went to the provider. FLAG_DELIVERED: σ is known on chain.
        uint8 flags;
        uint40 paidAt;
        uint200 commitment;
    }

    /// Packed into one slot; exists while a dispute or challenge is open, or to remember the cooldown.
    struct Pending {
        uint40 deadline;
        uint40 lastChallengeAt;
        uint40 chunkIndex;
        uint136 rootTag;
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

    uint64 private immutable _settleDelay;
    uint64 private immutable _responseWindow;
    uint64 private immutable _challengeCooldown;
    uint128 private immutable _challengeBond;

    // ───────────────────────────── state ─────────────────────────────

    ProviderAccount private _provider;
    StakeBook private _stake;
    mapping(address client => ClientAccount) private _clients;
    mapping(bytes32 orderId => Order) private _orders;
    mapping(bytes32 orderId => Pending) private _pending;
    /// Time a signer was rotated out; receipts it signed stay valid for orders paid before then.
    mapping(address signer => uint40 retiredAt) private _retiredSigners;

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
    event ReceiptPublished(bytes32 indexed orderId, string link);
    event OrderRefunded(bytes32 indexed orderId, uint256 price);
    event StorageChallenged(bytes32 indexed orderId, uint256 chunkIndex, uint256 deadline);
    event StorageProven(bytes32 indexed orderId, uint256 chunkIndex);
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

    // ─────────────────────────── construction ────────────────────────

    /**
     * @notice Deploys the contract for the provider (the deployer becomes owner); `msg.value` is the
     * initial stake (seed step 1).
     * @param signer_ key that signs quotes and receipts (may equal the owner)
     * @param params_ windows, bond and limits, immutable for the life of the contract
     */
    constructor(address signer_, Params memory params_) payable Ownable(msg.sender) EIP712("Pekanu", "1") {
        if (signer_ == address(0)) revert ServerContractInvalidSigner(signer_);
        if (params_.responseWindow == 0 || params_.settleDelay == 0) revert ServerContractInvalidParams();
        _settleDelay = params_.settleDelay;
        _responseWindow = params_.responseWindow;
        _challengeCooldown = params_.challengeCooldown;
        _challengeBond = params_.challengeBond;
        _provider.signer = signer_;
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
     * @dev The previous signer's receipts remain valid for orders paid before now, so rotating the
     * key never frees the provider from answering for earlier orders.
     */
    function rotateSigner(address newSigner) external onlyOwner {
        address previous = _provider.signer;
        if (newSigner == address(0) || newSigner == previous) revert ServerContractInvalidSigner(newSigner);
        _provider.signer = newSigner;
        _retiredSigners[previous] = uint40(block.timestamp);
        delete _retiredSigners[newSigner];
        emit SignerRotated(previous, newSigner);
    }

    // ───────────────────────────── orders ────────────────────────────

    /**
     * @notice Pays for an order at the quoted price (seed step 9). The sender must be the quote's
     * registered client, the quote unexpired, unused and signed by the current signer, `msg.value`
     * exactly the price; the quoted fine is locked from free stake.
     * @param quote the provider's signed offer
     * @param quoteSignature the signer's EIP-712 signature of `quote`
     */
    function pay(Quote calldata quote, bytes calldata quoteSignature) external payable {
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        if (!_clients[msg.sender].registered) revert ServerContractNotRegistered(msg.sender);
        if (block.timestamp > quote.expiresAt) revert ServerContractQuoteExpired(quote.expiresAt);
        if (quote.storageUntil <= block.timestamp) revert ServerContractInvalidStorageUntil(quote.storageUntil);
        if (quote.size > MAX_FILE_SIZE) revert ServerContractInvalidSize(quote.size);
        Order storage order = _orders[quote.orderId];
        if (order.state != OrderState.None) revert ServerContractOrderExists(quote.orderId);
        if (msg.value != quote.price) revert ServerContractIncorrectPayment(quote.price, msg.value);
        // The provider's earnings are 96 bits: refuse a price that could never be settled.
        if (quote.price > type(uint96).max) revert ServerContractAmountOverflow(quote.price);

        bytes32 structHash = _quoteStructHash(quote);
        address recovered = ECDSA.recover(_hashTypedDataV4(structHash), quoteSignature);
        if (recovered != _provider.signer) revert ServerContractInvalidQuoteSignature(recovered);

        StakeBook memory book = _stake;
        uint256 free = book.total - book.locked;
        if (quote.fine > free) revert ServerContractInsufficientFreeStake(quote.fine, free);
        _stake.locked = book.locked + uint128(quote.fine);

        order.state = OrderState.Paid;
        order.paidAt = uint40(block.timestamp);
        order.commitment = uint200(uint256(structHash));
        emit OrderPaid(
            quote.orderId, quote.client, quote.fileRoot, quote.size, quote.price, quote.fine, quote.storageUntil
        );
    }

    /**
     * @notice Makes an undisputed order's price withdrawable by the provider once `settleDelay` has
     * passed since payment. Anyone may call it; it only moves escrow the provider has earned.
     */
    function settle(Quote calldata quote) external {
        Order storage order = _loadOrder(quote);
        if (order.state != OrderState.Paid) revert ServerContractInvalidState(quote.orderId, order.state);
        uint256 availableAt = uint256(order.paidAt) + _settleDelay;
        if (block.timestamp < availableAt) revert ServerContractTooEarly(availableAt);
        order.state = OrderState.Settled;
        order.flags |= FLAG_SETTLED;
        _provider.earned += _toUint96(quote.price);
        emit OrderSettled(quote.orderId, quote.price);
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
        _pending[quote.orderId].deadline = uint40(deadline);
        emit DeliveryDisputed(quote.orderId, deadline);
    }

    /**
     * @notice Answers a delivery dispute with the provider's signed receipt σ, before the dispute's
     * deadline. Anyone may submit it: σ authenticates itself. The event carries the link L.
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
        _checkReceipt(quote, link, receiptSignature, order.paidAt);
        order.state = OrderState.Paid;
        order.flags |= FLAG_DELIVERED;
        _pending[quote.orderId].deadline = 0;
        emit ReceiptPublished(quote.orderId, link);
    }

    /**
     * @notice The provider returns the price of an unsettled order, paid or under delivery dispute
     * (before the dispute's deadline); the fine is unlocked. Owner only.
     */
    function refund(Quote calldata quote) external onlyOwner {
        Order storage order = _loadOrder(quote);
        OrderState state = order.state;
        if (state != OrderState.Paid && state != OrderState.DeliveryDisputed) {
            revert ServerContractInvalidState(quote.orderId, state);
        }
        if (state == OrderState.DeliveryDisputed) {
            // Past the deadline the client is owed price + fine: a refund may not cut that short.
            uint256 deadline = _pending[quote.orderId].deadline;
            if (block.timestamp > deadline) revert ServerContractTooLate(deadline);
            _pending[quote.orderId].deadline = 0;
        }
        order.state = OrderState.Refunded;
        _stake.locked -= uint128(quote.fine);
        _clients[quote.client].credit += _toUint128(quote.price);
        emit OrderRefunded(quote.orderId, quote.price);
    }

    /**
     * @notice The client challenges the provider to prove it still stores the file, showing σ and
     * depositing `challengeBond`. The chunk index is drawn on chain from `block.prevrandao`, so the
     * provider cannot know it in advance. Client only, before `storageUntil`, one open challenge
     * per order, at most one per `challengeCooldown`.
     */
    function challengeStorage(Quote calldata quote, string calldata link, bytes calldata receiptSignature)
        external
        payable
    {
        Order storage order = _loadOrder(quote);
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        OrderState state = order.state;
        if (state != OrderState.Paid && state != OrderState.Settled) {
            revert ServerContractInvalidState(quote.orderId, state);
        }
        if (block.timestamp >= quote.storageUntil) revert ServerContractTooLate(quote.storageUntil);
        if (msg.value != _challengeBond) revert ServerContractIncorrectPayment(_challengeBond, msg.value);
        Pending storage pending = _pending[quote.orderId];
        uint40 last = pending.lastChallengeAt;
        if (last != 0 && block.timestamp < uint256(last) + _challengeCooldown) {
            revert ServerContractChallengeCooldown(uint256(last) + _challengeCooldown);
        }
        _checkReceipt(quote, link, receiptSignature, order.paidAt);

        uint256 chunks = _chunkCount(quote.size);
        uint256 chunkIndex =
            uint256(keccak256(abi.encode(block.prevrandao, quote.orderId, block.number))) % chunks;
        uint256 deadline = block.timestamp + _responseWindow;
        order.state = OrderState.Challenged;
        order.flags |= FLAG_DELIVERED;
        _pending[quote.orderId] = Pending({
            deadline: uint40(deadline),
            lastChallengeAt: uint40(block.timestamp),
            chunkIndex: uint40(chunkIndex),
            rootTag: _rootTag(quote.fileRoot, quote.size)
        });
        emit StorageChallenged(quote.orderId, chunkIndex, deadline);
    }

    /**
     * @notice Answers an open storage challenge, before its deadline, with the challenged chunk and
     * its RFC 6962 inclusion proof against the committed file root. Anyone may submit it: the proof
     * authenticates itself.
     * The bond goes to the provider.
     * @param orderId the challenged order
     * @param size the file size in bytes, as committed in the order
     * @param chunk the challenged 1024-byte chunk (the last chunk may be shorter)
     * @param proof audit path from the leaf upward (RFC 9162 §2.1.3)
     */
    function respondStorage(bytes32 orderId, uint64 size, bytes calldata chunk, bytes32[] calldata proof)
        external
    {
        Order storage order = _orders[orderId];
        if (order.state != OrderState.Challenged) revert ServerContractInvalidState(orderId, order.state);
        Pending memory pending = _pending[orderId];
        if (block.timestamp > pending.deadline) revert ServerContractTooLate(pending.deadline);
        uint256 chunks = _chunkCount(size);
        uint256 index = pending.chunkIndex;
        uint256 expectedLength = index + 1 < chunks ? CHUNK_SIZE : size - (chunks - 1) * CHUNK_SIZE;
        if (index >= chunks || chunk.length != expectedLength) revert ServerContractInvalidChunk(orderId);
        (bool ok, bytes32 root) = MerkleInclusion.rootFromProof(MerkleInclusion.leafHash(chunk), index, chunks, proof);
        if (!ok || _rootTag(root, size) != pending.rootTag) revert ServerContractInvalidProof(orderId);

        order.state = order.flags & FLAG_SETTLED != 0 ? OrderState.Settled : OrderState.Paid;
        _pending[orderId].deadline = 0;
        _provider.earned += _toUint96(_challengeBond);
        emit StorageProven(orderId, index);
    }

    /**
     * @notice The client collects the penalty after the provider left a delivery dispute or a
     * storage challenge unanswered past its deadline (seed step 14): the unsettled price, the fine
     * and any bond become the client's credit. Client only.
     */
    function claimPenalty(Quote calldata quote) external {
        Order storage order = _loadOrder(quote);
        if (msg.sender != quote.client) revert ServerContractUnauthorized(msg.sender);
        OrderState state = order.state;
        if (state != OrderState.DeliveryDisputed && state != OrderState.Challenged) {
            revert ServerContractInvalidState(quote.orderId, state);
        }
        uint256 deadline = _pending[quote.orderId].deadline;
        if (block.timestamp <= deadline) revert ServerContractTooEarly(deadline + 1);

        uint256 amount = quote.fine;
        if (order.flags & FLAG_SETTLED == 0) amount += quote.price;
        if (state == OrderState.Challenged) amount += _challengeBond;
        order.state = OrderState.Penalized;
        delete _pending[quote.orderId];
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
        }
        order.state = OrderState.Completed;
        if (order.flags & FLAG_SETTLED == 0) _provider.earned += _toUint96(quote.price);
        _stake.locked -= uint128(quote.fine);
        emit OrderReleased(quote.orderId);
    }

    /**
     * @notice Pays out everything owed to the caller: a client's refunds and penalties, and for the
     * owner the settled prices, bonds and withdrawn stake. Pull payment, reentrancy-guarded.
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
            challengeBond: _challengeBond
        });
    }

    /// @notice Total stake and the part locked as fines of open orders.
    function stake() external view returns (uint256 total, uint256 locked) {
        return (_stake.total, _stake.locked);
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

    /// @notice The open deadline (0 when nothing is open), the last challenge time and chunk index.
    function pendingOf(bytes32 orderId)
        external
        view
        returns (uint256 deadline, uint256 lastChallengeAt, uint256 chunkIndex)
    {
        Pending memory pending = _pending[orderId];
        return (pending.deadline, pending.lastChallengeAt, pending.chunkIndex);
    }

    /// @notice When `signer_` was rotated out (0 if it never was, or is current again).
    function signerRetiredAt(address signer_) external view returns (uint256) {
        return _retiredSigners[signer_];
    }

    /// @notice The EIP-712 struct hash of `quote`, whose low 200 bits are the order commitment.
    function quoteHash(Quote calldata quote) external pure returns (bytes32) {
        return _quoteStructHash(quote);
    }

    // ─────────────────────────── internals ───────────────────────────

    function _loadOrder(Quote calldata quote) private view returns (Order storage order) {
        order = _orders[quote.orderId];
        if (order.state == OrderState.None) revert ServerContractUnknownOrder(quote.orderId);
        if (order.commitment != uint200(uint256(_quoteStructHash(quote)))) {
            revert ServerContractTermsMismatch(quote.orderId);
        }
    }

    /// σ must come from the current signer, or from a signer that was current when the order was paid.
    function _checkReceipt(Quote calldata quote, string calldata link, bytes calldata signature, uint40 paidAt)
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
        uint40 retiredAt = _retiredSigners[recovered];
        if (retiredAt == 0 || paidAt >= retiredAt) revert ServerContractInvalidReceiptSignature(recovered);
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

    /// A 136-bit tag of the committed root and size kept with an open challenge, so the answer need
    /// not repeat the quote. Forging an answer means a second preimage of 136 bits.
    function _rootTag(bytes32 root, uint64 size) private pure returns (uint136) {
        return uint136(uint256(keccak256(abi.encode(root, size))));
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
