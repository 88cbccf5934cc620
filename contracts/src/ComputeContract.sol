// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleInclusion} from "./MerkleInclusion.sol";
import {ComputeKernels} from "./ComputeKernels.sol";

/**
 * @title ComputeContract
 * @notice Fair payment for outsourced computation on the client's stored files (the compute half
 * of Pekanu; docs/protocol-notes.md, "Compute jobs").
 *
 * The client pays into escrow against an EIP-712 `JobQuote` signed by the provider's signer; the
 * quoted fine is locked from this contract's stake. The provider signs a `JobReceipt` naming the
 * result file's root. A wrong result is fined at once by a one-item fraud proof: the contract
 * recomputes the item from input pieces proven against the quoted roots and compares it with the
 * result chunk proven against the receipt's root. A missing receipt is fined through a delivery
 * dispute, a withheld result through a result challenge (a chunk the provider must prove). After
 * the verification window the price settles to the provider without the client.
 *
 * Gas design as in ServerContract: a job is ONE slot (state, flags, payment time, 200-bit
 * commitment to the JobQuote's struct hash); later calls pass the quote back as calldata.
 */
contract ComputeContract is Ownable2Step, ReentrancyGuardTransient, EIP712 {
    // ───────────────────────────── types ─────────────────────────────

    /// @notice The provider's offer for one job. Signed by the signer.
    struct JobQuote {
        bytes32 jobId;
        address client;
        uint8 kernel;
        bytes32 inputA;
        bytes32 inputB;
        uint32 m;
        uint32 k;
        uint32 n;
        uint256 price;
        uint256 fine;
        uint64 deliverBy;
        uint64 expiresAt;
    }

    /// @notice The result a JobReceipt names: the result file's root, size and link.
    struct JobResult {
        bytes32 resultRoot;
        uint64 resultSize;
        string link;
    }

    /// @notice One output item (i, j) and the pieces proving it, each with its audit path.
    struct ItemProof {
        uint32 i;
        uint32 j;
        bytes aData;
        bytes32[] aProof;
        bytes bData;
        bytes32[] bProof;
        bytes cData;
        bytes32[] cProof;
    }

    /// @notice Windows, bond and limits fixed at deployment.
    struct Params {
        /// Seconds after `deliverBy` (or a later on-chain receipt) in which the client may prove fraud.
        uint64 verifyWindow;
        /// Seconds the provider has to answer a delivery dispute or a result challenge.
        uint64 responseWindow;
        /// Minimum seconds between two result challenges on one job.
        uint64 challengeCooldown;
        /// Wei a client deposits with each result challenge; paid to the provider on a valid answer.
        uint128 challengeBond;
    }

    enum JobState {
        None,
        Paid,
        DeliveryDisputed,
        ResultChallenged,
        Settled,
        Refunded,
        Penalized,
        Fraudulent
    }

    /// Packed into one slot: state (8) | flags (8) | paidAt (40) | commitment (200).
    struct Job {
        JobState state;
        uint8 flags;
        uint40 paidAt;
        uint200 commitment;
    }

    /// Packed into one slot: open deadline, when σ was shown on chain, last challenge, chunk, result tag.
    struct Pending {
        uint40 deadline;
        uint40 deliveredAt;
        uint40 lastChallengeAt;
        uint32 chunkIndex;
        uint104 resultTag;
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

    bytes32 public constant JOB_QUOTE_TYPEHASH = keccak256(
        "JobQuote(bytes32 jobId,address client,uint8 kernel,bytes32 inputA,bytes32 inputB,uint32 m,uint32 k,uint32 n,uint256 price,uint256 fine,uint64 deliverBy,uint64 expiresAt)"
    );
    bytes32 public constant JOB_RECEIPT_TYPEHASH =
        keccak256("JobReceipt(bytes32 jobId,bytes32 jobHash,bytes32 resultRoot,uint64 resultSize,string link)");
    /// @notice The field of every kernel: p = 2^31 − 1.
    uint256 public constant FIELD_PRIME = ComputeKernels.P;
    uint256 public constant CHUNK_SIZE = 1024;
    uint8 private constant FLAG_DELIVERED = 1;

    uint64 private immutable _verifyWindow;
    uint64 private immutable _responseWindow;
    uint64 private immutable _challengeCooldown;
    uint128 private immutable _challengeBond;

    // ───────────────────────────── state ─────────────────────────────

    ProviderAccount private _provider;
    StakeBook private _stake;
    mapping(bytes32 jobId => Job) private _jobs;
    mapping(bytes32 jobId => Pending) private _pending;
    mapping(address client => uint256) private _credits;
    /// Time a signer was rotated out; its receipts stay valid for jobs paid before then.
    mapping(address signer => uint40 retiredAt) private _retiredSigners;

    // ───────────────────────────── events ────────────────────────────

    event StakeDeposited(address indexed from, uint256 amount);
    event StakeWithdrawn(uint256 amount);
    event SignerRotated(address indexed previousSigner, address indexed newSigner);
    /// `jobHash` is the JobQuote's struct hash: the terms (kernel, inputs, dims) are in the quote.
    event JobPaid(
        bytes32 indexed jobId, address indexed client, bytes32 jobHash, uint256 price, uint256 fine, uint64 deliverBy
    );
    event DeliveryDisputed(bytes32 indexed jobId, uint256 deadline);
    event JobReceiptPublished(bytes32 indexed jobId, bytes32 resultRoot, uint64 resultSize, string link);
    event JobRefunded(bytes32 indexed jobId, uint256 price);
    event ResultChallenged(bytes32 indexed jobId, uint256 chunkIndex, uint256 deadline);
    event ResultProven(bytes32 indexed jobId, uint256 chunkIndex);
    event PenaltyClaimed(bytes32 indexed jobId, address indexed client, uint256 amount);
    event FraudProven(bytes32 indexed jobId, address indexed client, uint256 i, uint256 j, uint256 amount);
    event JobSettled(bytes32 indexed jobId, uint256 price);
    event Withdrawn(address indexed account, uint256 amount);

    // ───────────────────────────── errors ────────────────────────────

    error ComputeContractInvalidSigner(address signer);
    error ComputeContractInvalidParams();
    error ComputeContractZeroAmount();
    error ComputeContractInsufficientFreeStake(uint256 needed, uint256 available);
    error ComputeContractUnauthorized(address caller);
    error ComputeContractQuoteExpired(uint64 expiresAt);
    error ComputeContractInvalidDeadline(uint64 deliverBy);
    error ComputeContractInvalidJob(uint8 kernel, uint256 m, uint256 k, uint256 n);
    error ComputeContractJobExists(bytes32 jobId);
    error ComputeContractIncorrectPayment(uint256 expected, uint256 received);
    error ComputeContractInvalidQuoteSignature(address recovered);
    error ComputeContractInvalidReceiptSignature(address recovered);
    error ComputeContractUnknownJob(bytes32 jobId);
    error ComputeContractTermsMismatch(bytes32 jobId);
    error ComputeContractInvalidState(bytes32 jobId, JobState state);
    error ComputeContractTooEarly(uint256 availableAt);
    error ComputeContractTooLate(uint256 deadline);
    error ComputeContractAlreadyDelivered(bytes32 jobId);
    error ComputeContractChallengeCooldown(uint256 availableAt);
    error ComputeContractInvalidChunk(bytes32 jobId);
    error ComputeContractInvalidItem(uint256 i, uint256 j);
    error ComputeContractInvalidProof(bytes32 jobId, uint8 piece);
    error ComputeContractResultCorrect(uint256 i, uint256 j);
    error ComputeContractNothingToWithdraw(address account);
    error ComputeContractTransferFailed(address account, uint256 amount);
    error ComputeContractAmountOverflow(uint256 amount);
    error ComputeContractRenounceDisabled();

    // ─────────────────────────── construction ────────────────────────

    /**
     * @notice Deploys the contract for the provider (the deployer becomes owner); `msg.value` is the
     * initial stake backing compute fines (separate from the storage contract's stake).
     * @param signer_ key that signs job quotes and receipts (may equal the owner)
     * @param params_ windows, bond and limits, immutable for the life of the contract
     */
    constructor(address signer_, Params memory params_) payable Ownable(msg.sender) EIP712("Pekanu Compute", "1") {
        if (signer_ == address(0)) revert ComputeContractInvalidSigner(signer_);
        if (params_.responseWindow == 0 || params_.verifyWindow == 0) revert ComputeContractInvalidParams();
        _verifyWindow = params_.verifyWindow;
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

    // ───────────────────────────── stake ─────────────────────────────

    /// @notice Adds `msg.value` to the provider's stake. Owner only.
    function depositStake() external payable onlyOwner {
        if (msg.value == 0) revert ComputeContractZeroAmount();
        _stake.total += _toUint128(msg.value);
        emit StakeDeposited(msg.sender, msg.value);
    }

    /// @notice Moves `amount` of unlocked stake to the owner's withdrawable balance. Owner only.
    function withdrawStake(uint256 amount) external onlyOwner {
        if (amount == 0) revert ComputeContractZeroAmount();
        StakeBook memory book = _stake;
        uint256 free = book.total - book.locked;
        if (amount > free) revert ComputeContractInsufficientFreeStake(amount, free);
        _stake.total = book.total - uint128(amount);
        _provider.earned += _toUint96(amount);
        emit StakeWithdrawn(amount);
    }

    /**
     * @notice Replaces the key that signs quotes and receipts. Owner only. Receipts of the previous
     * signer stay valid for jobs paid before now, so a rotation never voids a fraud proof.
     */
    function rotateSigner(address newSigner) external onlyOwner {
        address previous = _provider.signer;
        if (newSigner == address(0) || newSigner == previous) revert ComputeContractInvalidSigner(newSigner);
        _provider.signer = newSigner;
        _retiredSigners[previous] = uint40(block.timestamp);
        delete _retiredSigners[newSigner];
        emit SignerRotated(previous, newSigner);
    }

    /// @notice Disabled: without an owner no refund could be made and the stake would be stuck.
    function renounceOwnership() public pure override {
        revert ComputeContractRenounceDisabled();
    }

    // ───────────────────────────── jobs ──────────────────────────────

    /**
     * @notice Pays for a job at the quoted price. The sender must be the quote's client, the quote
     * unexpired, unused and signed by the current signer, its kernel and dimensions valid, its
     * `deliverBy` in the future, `msg.value` exactly the price; the fine is locked from free stake.
     * @param quote the provider's signed offer
     * @param quoteSignature the signer's EIP-712 signature of `quote`
     */
    function pay(JobQuote calldata quote, bytes calldata quoteSignature) external payable {
        if (msg.sender != quote.client) revert ComputeContractUnauthorized(msg.sender);
        if (block.timestamp > quote.expiresAt) revert ComputeContractQuoteExpired(quote.expiresAt);
        if (quote.deliverBy <= block.timestamp) revert ComputeContractInvalidDeadline(quote.deliverBy);
        if (!ComputeKernels.validJob(quote.kernel, quote.m, quote.k, quote.n)) {
            revert ComputeContractInvalidJob(quote.kernel, quote.m, quote.k, quote.n);
        }
        Job storage job = _jobs[quote.jobId];
        if (job.state != JobState.None) revert ComputeContractJobExists(quote.jobId);
        if (msg.value != quote.price) revert ComputeContractIncorrectPayment(quote.price, msg.value);
        if (quote.price > type(uint96).max) revert ComputeContractAmountOverflow(quote.price);

        bytes32 structHash = _jobStructHash(quote);
        address recovered = ECDSA.recover(_hashTypedDataV4(structHash), quoteSignature);
        if (recovered != _provider.signer) revert ComputeContractInvalidQuoteSignature(recovered);

        StakeBook memory book = _stake;
        uint256 free = book.total - book.locked;
        if (quote.fine > free) revert ComputeContractInsufficientFreeStake(quote.fine, free);
        _stake.locked = book.locked + uint128(quote.fine);

        job.state = JobState.Paid;
        job.paidAt = uint40(block.timestamp);
        job.commitment = uint200(uint256(structHash));
        emit JobPaid(quote.jobId, quote.client, structHash, quote.price, quote.fine, quote.deliverBy);
    }

    /**
     * @notice The client has no receipt after `deliverBy`: opens a `responseWindow` in which the
     * provider must publish it (or refund). Client only, before the verification window closes,
     * only while no receipt for the job has been shown on chain.
     */
    function disputeDelivery(JobQuote calldata quote) external {
        Job storage job = _loadJob(quote);
        if (msg.sender != quote.client) revert ComputeContractUnauthorized(msg.sender);
        if (job.state != JobState.Paid) revert ComputeContractInvalidState(quote.jobId, job.state);
        if (job.flags & FLAG_DELIVERED != 0) revert ComputeContractAlreadyDelivered(quote.jobId);
        if (block.timestamp <= quote.deliverBy) revert ComputeContractTooEarly(uint256(quote.deliverBy) + 1);
        uint256 closes = _settleAt(quote, 0);
        if (block.timestamp >= closes) revert ComputeContractTooLate(closes);
        job.state = JobState.DeliveryDisputed;
        uint256 deadline = block.timestamp + _responseWindow;
        _pending[quote.jobId].deadline = uint40(deadline);
        emit DeliveryDisputed(quote.jobId, deadline);
    }

    /**
     * @notice Shows the signed JobReceipt on chain: answers an open delivery dispute (before its
     * deadline), or publishes it voluntarily while the job is paid and undelivered. Anyone may
     * submit it. The client's verification window then runs from now.
     * @param quote the job's terms
     * @param result the result file's root, size and link, as signed
     * @param receiptSignature the signer's EIP-712 signature of the JobReceipt
     */
    function publishReceipt(JobQuote calldata quote, JobResult calldata result, bytes calldata receiptSignature)
        external
    {
        Job storage job = _loadJob(quote);
        JobState state = job.state;
        Pending storage pending = _pending[quote.jobId];
        if (state == JobState.DeliveryDisputed) {
            uint256 deadline = pending.deadline;
            if (block.timestamp > deadline) revert ComputeContractTooLate(deadline);
        } else if (state != JobState.Paid) {
            revert ComputeContractInvalidState(quote.jobId, state);
        } else if (job.flags & FLAG_DELIVERED != 0) {
            revert ComputeContractAlreadyDelivered(quote.jobId);
        }
        _checkReceipt(quote, result, receiptSignature, job.paidAt);
        job.state = JobState.Paid;
        job.flags |= FLAG_DELIVERED;
        pending.deadline = 0;
        pending.deliveredAt = uint40(block.timestamp);
        emit JobReceiptPublished(quote.jobId, result.resultRoot, result.resultSize, result.link);
    }

    /**
     * @notice The provider returns the price in answer to an open delivery dispute, before its
     * deadline; the fine is unlocked. Owner only. Never possible once a fraud proof or a result
     * challenge could be filed against a shown receipt: it is no way around a fine.
     */
    function refund(JobQuote calldata quote) external onlyOwner {
        Job storage job = _loadJob(quote);
        if (job.state != JobState.DeliveryDisputed) revert ComputeContractInvalidState(quote.jobId, job.state);
        uint256 deadline = _pending[quote.jobId].deadline;
        if (block.timestamp > deadline) revert ComputeContractTooLate(deadline);
        _pending[quote.jobId].deadline = 0;
        job.state = JobState.Refunded;
        _stake.locked -= uint128(quote.fine);
        _credits[quote.client] += quote.price;
        emit JobRefunded(quote.jobId, quote.price);
    }

    /**
     * @notice The client, holding a receipt, challenges the provider to produce chunk `chunkIndex`
     * of the result it signed (a result signed but withheld). Client only, with the bond, before
     * the verification window closes, one open challenge at a time, at most one per cooldown.
     */
    function challengeResult(
        JobQuote calldata quote,
        JobResult calldata result,
        bytes calldata receiptSignature,
        uint256 chunkIndex
    ) external payable {
        Job storage job = _loadJob(quote);
        if (msg.sender != quote.client) revert ComputeContractUnauthorized(msg.sender);
        if (job.state != JobState.Paid) revert ComputeContractInvalidState(quote.jobId, job.state);
        Pending memory pending = _pending[quote.jobId];
        uint256 closes = _settleAt(quote, pending.deliveredAt);
        if (block.timestamp >= closes) revert ComputeContractTooLate(closes);
        if (msg.value != _challengeBond) revert ComputeContractIncorrectPayment(_challengeBond, msg.value);
        uint256 last = pending.lastChallengeAt;
        if (last != 0 && block.timestamp < last + _challengeCooldown) {
            revert ComputeContractChallengeCooldown(last + _challengeCooldown);
        }
        if (chunkIndex >= _chunkCount(result.resultSize) || chunkIndex > type(uint32).max) {
            revert ComputeContractInvalidChunk(quote.jobId);
        }
        _checkReceipt(quote, result, receiptSignature, job.paidAt);
        uint256 deadline = block.timestamp + _responseWindow;
        job.state = JobState.ResultChallenged;
        job.flags |= FLAG_DELIVERED;
        _pending[quote.jobId] = Pending({
            deadline: uint40(deadline),
            deliveredAt: pending.deliveredAt == 0 ? uint40(block.timestamp) : pending.deliveredAt,
            lastChallengeAt: uint40(block.timestamp),
            chunkIndex: uint32(chunkIndex),
            resultTag: _resultTag(result.resultRoot, result.resultSize)
        });
        emit ResultChallenged(quote.jobId, chunkIndex, deadline);
    }

    /**
     * @notice Answers an open result challenge, before its deadline, with the chunk and its RFC 6962
     * inclusion proof against the signed result root. Anyone may submit it. The bond goes to the
     * provider.
     * @param jobId the challenged job
     * @param resultSize the result file's size, as signed
     * @param chunk the challenged chunk (1024 bytes, the last one shorter)
     * @param proof audit path from the leaf upward
     */
    function respondResult(bytes32 jobId, uint64 resultSize, bytes calldata chunk, bytes32[] calldata proof)
        external
    {
        Job storage job = _jobs[jobId];
        if (job.state != JobState.ResultChallenged) revert ComputeContractInvalidState(jobId, job.state);
        Pending memory pending = _pending[jobId];
        if (block.timestamp > pending.deadline) revert ComputeContractTooLate(pending.deadline);
        uint256 chunks = _chunkCount(resultSize);
        uint256 index = pending.chunkIndex;
        uint256 expectedLength = index + 1 < chunks ? CHUNK_SIZE : resultSize - (chunks - 1) * CHUNK_SIZE;
        if (index >= chunks || chunk.length != expectedLength) revert ComputeContractInvalidChunk(jobId);
        (bool ok, bytes32 root) = MerkleInclusion.rootFromProof(MerkleInclusion.leafHash(chunk), index, chunks, proof);
        if (!ok || _resultTag(root, resultSize) != pending.resultTag) revert ComputeContractInvalidProof(jobId, 2);
        job.state = JobState.Paid;
        _pending[jobId].deadline = 0;
        _provider.earned += _toUint96(_challengeBond);
        emit ResultProven(jobId, index);
    }

    /**
     * @notice The client collects price + fine (+ the bond of a challenge) after the provider left
     * a delivery dispute or a result challenge unanswered past its deadline. Client only.
     */
    function claimPenalty(JobQuote calldata quote) external {
        Job storage job = _loadJob(quote);
        if (msg.sender != quote.client) revert ComputeContractUnauthorized(msg.sender);
        JobState state = job.state;
        if (state != JobState.DeliveryDisputed && state != JobState.ResultChallenged) {
            revert ComputeContractInvalidState(quote.jobId, state);
        }
        uint256 deadline = _pending[quote.jobId].deadline;
        if (block.timestamp <= deadline) revert ComputeContractTooEarly(deadline + 1);
        uint256 amount = quote.price + quote.fine;
        if (state == JobState.ResultChallenged) amount += _challengeBond;
        job.state = JobState.Penalized;
        _pending[quote.jobId].deadline = 0;
        _takeFine(quote.fine);
        _credits[quote.client] += amount;
        emit PenaltyClaimed(quote.jobId, quote.client, amount);
    }

    /**
     * @notice A one-item fraud proof: the receipt, and output item (i, j) with the input pieces it
     * depends on, each proven against the job's roots. The contract recomputes the item with the
     * job's kernel; if the signed result differs (or is not a field element, or the signed result
     * size is not the size the dimensions imply), the client is credited price + fine (+ an open
     * challenge's bond) at once. A correct item reverts. Anyone may submit it, before the
     * verification window closes.
     */
    function proveFraud(
        JobQuote calldata quote,
        JobResult calldata result,
        bytes calldata receiptSignature,
        ItemProof calldata item
    ) external {
        Job storage job = _loadJob(quote);
        JobState state = job.state;
        if (state != JobState.Paid && state != JobState.DeliveryDisputed && state != JobState.ResultChallenged) {
            revert ComputeContractInvalidState(quote.jobId, state);
        }
        uint256 closes = _settleAt(quote, _pending[quote.jobId].deliveredAt);
        if (block.timestamp >= closes) revert ComputeContractTooLate(closes);
        _checkReceipt(quote, result, receiptSignature, job.paidAt);
        if (result.resultSize == ComputeKernels.resultSize(quote.m, quote.n)) {
            _checkItem(quote, result.resultRoot, item);
        }

        uint256 amount = quote.price + quote.fine;
        if (state == JobState.ResultChallenged) amount += _challengeBond;
        job.state = JobState.Fraudulent;
        _pending[quote.jobId].deadline = 0;
        _takeFine(quote.fine);
        _credits[quote.client] += amount;
        emit FraudProven(quote.jobId, quote.client, item.i, item.j, amount);
    }

    /**
     * @notice Pays a job's price to the provider and unlocks its fine once the verification window
     * has closed with nothing open: `max(deliverBy, receipt shown on chain) + verifyWindow`. Anyone
     * may call it.
     */
    function settle(JobQuote calldata quote) external {
        Job storage job = _loadJob(quote);
        if (job.state != JobState.Paid) revert ComputeContractInvalidState(quote.jobId, job.state);
        uint256 availableAt = _settleAt(quote, _pending[quote.jobId].deliveredAt);
        if (block.timestamp < availableAt) revert ComputeContractTooEarly(availableAt);
        _settle(job, quote);
    }

    /**
     * @notice Settles every job of `quotes` that is due (paid, window closed, terms matching) and
     * skips the others, so one stale entry cannot block a batch. Anyone may call it.
     * @return settled how many jobs were settled
     */
    function settleMany(JobQuote[] calldata quotes) external returns (uint256 settled) {
        for (uint256 q = 0; q < quotes.length; ++q) {
            JobQuote calldata quote = quotes[q];
            Job storage job = _jobs[quote.jobId];
            if (job.state != JobState.Paid || job.commitment != uint200(uint256(_jobStructHash(quote)))) continue;
            if (block.timestamp < _settleAt(quote, _pending[quote.jobId].deliveredAt)) continue;
            _settle(job, quote);
            ++settled;
        }
    }

    /**
     * @notice Pays out everything owed to the caller: a client's refunds, penalties and fraud
     * credits, and for the owner the settled prices, bonds and withdrawn stake. Pull payment,
     * reentrancy-guarded, state cleared before the transfer.
     */
    function withdraw() external nonReentrant {
        uint256 amount = _credits[msg.sender];
        if (amount != 0) _credits[msg.sender] = 0;
        if (msg.sender == owner()) {
            uint256 earned = _provider.earned;
            if (earned != 0) {
                amount += earned;
                _provider.earned = 0;
            }
        }
        if (amount == 0) revert ComputeContractNothingToWithdraw(msg.sender);
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert ComputeContractTransferFailed(msg.sender, amount);
    }

    // ───────────────────────────── views ─────────────────────────────

    /// @notice The key that currently signs job quotes and receipts.
    function signer() external view returns (address) {
        return _provider.signer;
    }

    /// @notice The windows, bond and limits fixed at deployment.
    function params() external view returns (Params memory) {
        return Params({
            verifyWindow: _verifyWindow,
            responseWindow: _responseWindow,
            challengeCooldown: _challengeCooldown,
            challengeBond: _challengeBond
        });
    }

    /// @notice Total stake and the part locked as fines of open jobs.
    function stake() external view returns (uint256 total, uint256 locked) {
        return (_stake.total, _stake.locked);
    }

    /// @notice What `account` could withdraw now.
    function withdrawable(address account) external view returns (uint256 amount) {
        amount = _credits[account];
        if (account == owner()) amount += _provider.earned;
    }

    /// @notice A job's state, whether its receipt was shown on chain, its payment time and commitment.
    function jobOf(bytes32 jobId)
        external
        view
        returns (JobState state, bool delivered, uint256 paidAt, uint256 commitment)
    {
        Job memory job = _jobs[jobId];
        return (job.state, job.flags & FLAG_DELIVERED != 0, job.paidAt, job.commitment);
    }

    /// @notice The open deadline (0 if none), when the receipt was shown, the last challenge and its chunk.
    function pendingOf(bytes32 jobId)
        external
        view
        returns (uint256 deadline, uint256 deliveredAt, uint256 lastChallengeAt, uint256 chunkIndex)
    {
        Pending memory p = _pending[jobId];
        return (p.deadline, p.deliveredAt, p.lastChallengeAt, p.chunkIndex);
    }

    /// @notice When the job's verification window closes (and its price may be settled).
    function settleAt(JobQuote calldata quote) external view returns (uint256) {
        return _settleAt(quote, _pending[quote.jobId].deliveredAt);
    }

    /// @notice Whether `kernel` with dimensions m, k, n can be quoted (1 = matmul, 2 = polyEval).
    function isValidJob(uint8 kernel, uint256 m, uint256 k, uint256 n) external pure returns (bool) {
        return ComputeKernels.validJob(kernel, m, k, n);
    }

    /// @notice The size a correct result file of an m×n result has.
    function resultSizeOf(uint256 m, uint256 n) external pure returns (uint256) {
        return ComputeKernels.resultSize(m, n);
    }

    /// @notice When `signer_` was rotated out (0 if never, or current again).
    function signerRetiredAt(address signer_) external view returns (uint256) {
        return _retiredSigners[signer_];
    }

    /// @notice The EIP-712 struct hash of `quote` (its low 200 bits are the job's commitment).
    function jobHash(JobQuote calldata quote) external pure returns (bytes32) {
        return _jobStructHash(quote);
    }

    // ─────────────────────────── internals ───────────────────────────

    function _loadJob(JobQuote calldata quote) private view returns (Job storage job) {
        job = _jobs[quote.jobId];
        if (job.state == JobState.None) revert ComputeContractUnknownJob(quote.jobId);
        if (job.commitment != uint200(uint256(_jobStructHash(quote)))) revert ComputeContractTermsMismatch(quote.jobId);
    }

    function _settleAt(JobQuote calldata quote, uint40 deliveredAt) private view returns (uint256) {
        uint256 from = quote.deliverBy > deliveredAt ? quote.deliverBy : deliveredAt;
        return from + _verifyWindow;
    }

    function _settle(Job storage job, JobQuote calldata quote) private {
        job.state = JobState.Settled;
        _stake.locked -= uint128(quote.fine);
        _provider.earned += _toUint96(quote.price);
        emit JobSettled(quote.jobId, quote.price);
    }

    function _takeFine(uint256 fine) private {
        StakeBook memory book = _stake;
        _stake = StakeBook({total: book.total - uint128(fine), locked: book.locked - uint128(fine)});
    }

    /// Reverts unless `item` proves a wrong item: pieces valid for THIS job's roots and positions,
    /// and the signed value differs from the recomputed one.
    function _checkItem(JobQuote calldata quote, bytes32 resultRoot, ItemProof calldata item) private view {
        if (item.i >= quote.m || item.j >= quote.n) revert ComputeContractInvalidItem(item.i, item.j);
        (ComputeKernels.Piece memory pa, ComputeKernels.Piece memory pb, ComputeKernels.Piece memory pc) =
            ComputeKernels.pieces(quote.kernel, quote.m, quote.k, quote.n, item.i, item.j);
        if (!_verifyPiece(quote.inputA, pa, item.aData, item.aProof)) revert ComputeContractInvalidProof(quote.jobId, 0);
        if (!_verifyPiece(quote.inputB, pb, item.bData, item.bProof)) revert ComputeContractInvalidProof(quote.jobId, 1);
        if (!_verifyPiece(resultRoot, pc, item.cData, item.cProof)) revert ComputeContractInvalidProof(quote.jobId, 2);
        uint256 claimed = ComputeKernels.u32At(item.cData, item.j % 256);
        uint256 expected = ComputeKernels.item(quote.kernel, quote.k, item.j, item.aData, item.bData);
        if (claimed == expected) revert ComputeContractResultCorrect(item.i, item.j);
    }

    /// Whether `data` (whole chunks) is piece `piece` of the file with root `root`.
    function _verifyPiece(bytes32 root, ComputeKernels.Piece memory piece, bytes calldata data, bytes32[] calldata proof)
        private
        view
        returns (bool)
    {
        uint256 count = piece.unitChunks;
        if (data.length != count * CHUNK_SIZE) return false;
        bytes32[] memory level = new bytes32[](count);
        for (uint256 c = 0; c < count; ++c) level[c] = MerkleInclusion.leafHash(data[c * CHUNK_SIZE:(c + 1) * CHUNK_SIZE]);
        for (; count > 1; count >>= 1) {
            for (uint256 c = 0; c < count / 2; ++c) level[c] = _node(level[2 * c], level[2 * c + 1]);
        }
        (bool ok, bytes32 computed) = MerkleInclusion.rootFromProof(level[0], piece.index, piece.units, proof);
        return ok && computed == root;
    }

    function _node(bytes32 left, bytes32 right) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            mstore(add(ptr, 1), left)
            mstore(add(ptr, 33), right)
            if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    /// The receipt must come from the current signer, or from a signer current when the job was paid.
    function _checkReceipt(JobQuote calldata quote, JobResult calldata result, bytes calldata signature, uint40 paidAt)
        private
        view
    {
        bytes32 structHash = keccak256(
            abi.encode(
                JOB_RECEIPT_TYPEHASH,
                quote.jobId,
                _jobStructHash(quote),
                result.resultRoot,
                result.resultSize,
                keccak256(bytes(result.link))
            )
        );
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(_hashTypedDataV4(structHash), signature);
        if (err != ECDSA.RecoverError.NoError) revert ComputeContractInvalidReceiptSignature(address(0));
        if (recovered == _provider.signer) return;
        uint40 retiredAt = _retiredSigners[recovered];
        if (retiredAt == 0 || paidAt >= retiredAt) revert ComputeContractInvalidReceiptSignature(recovered);
    }

    function _jobStructHash(JobQuote calldata quote) private pure returns (bytes32 h) {
        bytes32 typeHash = JOB_QUOTE_TYPEHASH;
        // abi.encode(typeHash, quote) without a copy per field: the 12 static words are contiguous.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), quote, 0x180)
            h := keccak256(ptr, 0x1a0)
        }
    }

    /// A 104-bit tag of the signed result root and size, kept with an open challenge.
    function _resultTag(bytes32 root, uint64 size) private pure returns (uint104) {
        return uint104(uint256(keccak256(abi.encode(root, size))));
    }

    function _chunkCount(uint64 size) private pure returns (uint256) {
        return size == 0 ? 1 : (uint256(size) + CHUNK_SIZE - 1) / CHUNK_SIZE;
    }

    function _toUint128(uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max) revert ComputeContractAmountOverflow(amount);
        return uint128(amount);
    }

    function _toUint96(uint256 amount) private pure returns (uint96) {
        if (amount > type(uint96).max) revert ComputeContractAmountOverflow(amount);
        return uint96(amount);
    }
}
