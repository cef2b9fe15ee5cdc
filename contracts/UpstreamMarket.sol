// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MarketSettlement} from "./MarketSettlement.sol";

/// @title UpstreamMarket
/// @notice Payers deposit the payment token and sign EIP-712 spend permits (cap, expiry, nonce) for the
/// settler; the settler settles paid inferences in batches, debiting payers within their permits and
/// crediting the model owner and data contributors, who claim their balances (pull payments). A
/// protocol fee in basis points of each price accrues to the treasury.
///
/// Batch encoding (see settleBatch): a batch carries a table of permits (sorted by payer, then nonce),
/// a table of payee addresses, and a flat array of 256-bit words, per inference:
///   word 0 (head): id (uint64, bits 192..255) | permit index (uint16, bits 176..191)
///                  | model id (uint64, bits 112..175) | price (uint96, bits 16..111) | payee count (uint16, bits 0..15)
///   word 1: attribution hash
///   then ceil(count / 2) share words, two 128-bit shares per word (first in the high half), each
///   share = payee table index (uint32, bits 96..127) | amount (uint96, bits 0..95).
/// The shares' amounts plus the protocol fee (price * feeBps / 10000, rounded down) must equal the price.
///
/// Skip rules: a well-encoded inference that cannot be settled is skipped with InferenceSkipped and
/// changes nothing; the rest of the batch settles. An id that is already settled is skipped, so a
/// retried batch never charges twice. A skipped id (other than AlreadySettled) stays unsettled and may be
/// submitted again. A malformed encoding reverts the whole batch.
///
/// The settlement engine itself is the internal library MarketSettlement, compiled into this contract.
contract UpstreamMarket is AccessControlDefaultAdminRules, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Role allowed to settle batches; it is also the `spender` payers name in their permits.
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    /// @notice EIP-712 type hash of a spend permit.
    bytes32 public constant SPEND_PERMIT_TYPEHASH = MarketSettlement.SPEND_PERMIT_TYPEHASH;
    /// @notice 100% in basis points.
    uint256 public constant BPS = 10_000;
    /// @notice Highest protocol fee the admin may set (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice How long after a fee change a split with the previous fee still settles (at that fee), and
    /// the least time between two changes: it covers the settlement bound (hold life + settlement window +
    /// the gateway's fee cache, minutes), so no inference in flight is lost to a change.
    uint64 public constant FEE_GRACE = MarketSettlement.FEE_GRACE;
    /// @notice Longest withdrawal delay the admin may set.
    uint64 public constant MAX_WITHDRAWAL_DELAY = 30 days;
    /// @notice Gas a contract payer's ERC-1271 check may use, so a hostile wallet can only
    /// invalidate its own permit, not exhaust the gas of the whole batch.
    uint256 public constant ERC1271_GAS_LIMIT = MarketSettlement.ERC1271_GAS_LIMIT;

    /// @notice Why an inference in a batch was skipped.
    enum SkipReason {
        None,
        AlreadySettled,
        PermitInvalid,
        PermitExpired,
        PermitNonceReused,
        PermitCapExceeded,
        InsufficientBalance,
        SplitMismatch
    }

    /// @notice A spend permit as submitted by the settler with its signature. The spender is not
    /// submitted: it is the caller, so a permit signed for another settler fails verification.
    struct PermitInput {
        address payer;
        uint256 cap;
        uint256 expiry;
        uint256 nonce;
        bytes signature;
    }

    /// @notice Settlement state of one (payer, nonce): the amount charged so far and the terms of the
    /// permit first settled under this nonce, so a nonce names one permit. The terms are kept whole, not
    /// as a hash, so no other permit can pass for it: a permit with another cap or expiry under a settled
    /// nonce is skipped as PermitNonceReused. A cap above 2^96 - 1 (more than any deposit of a 6-decimal
    /// token) counts as 2^96 - 1 and an expiry above 2^64 - 1 as 2^64 - 1. The same terms signed for
    /// another settler are the same permit: their charges count against one cap. expiry is 0 until the
    /// first charge.
    struct PermitState {
        uint96 spent;
        uint96 cap;
        uint64 expiry;
    }

    /// @notice A pending withdrawal request: withdrawable from readyAt until just before expiresAt.
    struct WithdrawalRequest {
        uint128 amount;
        uint64 readyAt;
        uint64 expiresAt;
    }

    /// @notice The payment token.
    IERC20 public immutable token;
    /// @notice Receiver of protocol fees.
    address public treasury;
    /// @notice Seconds between a withdrawal request and the withdrawal.
    uint64 public withdrawalDelay;
    /// @notice Seconds a ready withdrawal request stays withdrawable; after that it must be made again,
    /// so a request cannot sit ready for ever and let the deposit leave without the delay's notice.
    uint64 public immutable withdrawalWindow;
    mapping(address => WithdrawalRequest) private _withdrawals;
    // Deposits, payee balances, permit states, the settled bitmap, the fee and fees owed: MarketSettlement.books().

    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice A zero amount where a positive one is required.
    error ZeroAmount();
    /// @notice A fee above MAX_FEE_BPS.
    error FeeTooHigh(uint16 bps);
    /// @notice A fee change before the previous one's grace ended.
    error FeeChangeTooSoon(uint64 allowedAt);
    /// @notice A withdrawal delay above MAX_WITHDRAWAL_DELAY.
    error DelayTooLong(uint64 delay);
    /// @notice The token's EIP-2612 permit failed and the allowance does not cover the deposit.
    error TokenPermitFailed();
    /// @notice A withdrawal request above the deposit.
    error InsufficientDeposit(uint256 requested, uint256 available);
    /// @notice withdraw without a request.
    error NoWithdrawalRequested();
    /// @notice withdraw before the delay has passed.
    error WithdrawalNotReady(uint64 readyAt);
    /// @notice withdraw after the request's window closed; request again.
    error WithdrawalExpired(uint64 expiresAt);
    /// @notice A zero withdrawal window at deployment.
    error ZeroWithdrawalWindow();
    /// @notice Nothing left to withdraw (the deposit was spent by settlements).
    error NothingToWithdraw();
    /// @notice claim with a zero balance.
    error NothingToClaim();
    /// @notice collectFees with no fees owed.
    error NoFeesOwed();
    /// @notice settleBatch with no inferences.
    error EmptyBatch();
    /// @notice The permit table is not strictly sorted by (payer, nonce) at this position.
    error UnsortedPermits(uint256 index);
    /// @notice The inference words are malformed at this word position.
    error MalformedBatch(uint256 position);
    /// @notice A share names a payee index outside the payee table.
    error PayeeIndexOutOfRange(uint256 index);
    /// @notice Too little gas left to give a contract payer's signature check its full allowance;
    /// send the batch with more gas.
    error InsufficientGasForSignatureCheck();
    /// @notice A payee table entry that received an amount is the zero address.
    error InvalidPayee(uint256 index);

    /// @notice A payer deposited; `balance` is the new deposit balance.
    event Deposited(address indexed payer, uint256 amount, uint256 balance);
    /// @notice A payer asked to withdraw up to `amount` from `readyAt`.
    event WithdrawalRequested(address indexed payer, uint256 amount, uint64 readyAt);
    /// @notice A payer cancelled a withdrawal request.
    event WithdrawalCancelled(address indexed payer);
    /// @notice A payer withdrew `amount`.
    event Withdrawn(address indexed payer, uint256 amount);
    /// @notice A payee claimed `amount`.
    event Claimed(address indexed payee, uint256 amount);
    /// @notice Accrued protocol fees were paid to the treasury.
    event FeesCollected(address indexed treasury, uint256 amount);
    /// @notice An inference was settled: the payer was charged `price` under its permit `permitNonce`,
    /// the treasury accrued `fee`, and each `payouts` word credits `address(uint160(word >> 96))` with
    /// `uint96(word)`.
    event InferenceSettled(
        uint256 indexed inferenceId,
        address indexed payer,
        uint256 indexed modelId,
        uint256 permitNonce,
        uint256 price,
        uint256 fee,
        bytes32 attributionHash,
        uint256[] payouts
    );
    /// @notice An inference in a batch was skipped and nothing changed for it.
    event InferenceSkipped(uint256 indexed inferenceId, address indexed payer, SkipReason reason);
    /// @notice A permit's total charged amount after a batch.
    event PermitSpent(address indexed payer, uint256 indexed nonce, uint256 spent, uint256 cap);
    /// @notice A batch was processed.
    event BatchSettled(address indexed settler, uint256 settled, uint256 skipped, uint256 charged, uint256 fees);
    /// @notice The protocol fee changed.
    event ProtocolFeeSet(uint16 bps);
    /// @notice The treasury changed.
    event TreasurySet(address treasury);
    /// @notice The withdrawal delay changed.
    event WithdrawalDelaySet(uint64 delay);

    /// @param token_ The payment token (6-decimal stablecoin, EIP-2612 for depositWithPermit).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (transferred in two steps after `adminDelay`).
    /// @param adminDelay Seconds a started admin transfer waits before it can be accepted.
    /// @param treasury_ Receiver of protocol fees.
    /// @param settler Holder of SETTLER_ROLE (may be the zero address to grant later).
    /// @param feeBps_ Protocol fee in basis points.
    /// @param withdrawalDelay_ Seconds between a withdrawal request and the withdrawal.
    /// @param withdrawalWindow_ Seconds a ready request stays withdrawable.
    constructor(
        IERC20 token_,
        address admin,
        uint48 adminDelay,
        address treasury_,
        address settler,
        uint16 feeBps_,
        uint64 withdrawalDelay_,
        uint64 withdrawalWindow_
    ) AccessControlDefaultAdminRules(adminDelay, admin) EIP712("UpstreamMarket", "1") {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_);
        if (withdrawalDelay_ > MAX_WITHDRAWAL_DELAY) revert DelayTooLong(withdrawalDelay_);
        if (withdrawalWindow_ == 0) revert ZeroWithdrawalWindow();
        token = token_;
        withdrawalWindow = withdrawalWindow_;
        treasury = treasury_;
        MarketSettlement.books().feeBps = feeBps_;
        MarketSettlement.books().previousFeeBps = feeBps_;
        withdrawalDelay = withdrawalDelay_;
        if (settler != address(0)) _grantRole(SETTLER_ROLE, settler);
        emit TreasurySet(treasury_);
        emit ProtocolFeeSet(feeBps_);
        emit WithdrawalDelaySet(withdrawalDelay_);
    }

    // ---------------------------------------------------------------- payers

    /// @notice Deposits `amount` tokens for the caller (approve the market first).
    /// @param amount Token units to deposit.
    function deposit(uint256 amount) external nonReentrant {
        _deposit(amount);
    }

    /// @notice Deposits with an EIP-2612 permit for the approval, in one transaction. If the permit was
    /// already used (e.g. front-run), an allowance that covers `amount` still lets the deposit through.
    /// @param amount Token units to deposit.
    /// @param deadline The token permit's deadline.
    /// @param v Signature v.
    /// @param r Signature r.
    /// @param s Signature s.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
    {
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {}
        catch {
            if (token.allowance(msg.sender, address(this)) < amount) revert TokenPermitFailed();
        }
        _deposit(amount);
    }

    function _deposit(uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        // Credit what actually arrived, so the market's token balance always covers its books.
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        uint256 balance = MarketSettlement.books().deposits[msg.sender] + received;
        MarketSettlement.books().deposits[msg.sender] = balance;
        emit Deposited(msg.sender, received, balance);
    }

    /// @notice Asks to withdraw up to `amount` of the caller's deposit after the withdrawal delay, so
    /// permits already signed can still be settled meanwhile; withdrawable for withdrawalWindow seconds
    /// after that. Replaces an earlier request.
    /// @param amount Token units to withdraw, at most the current deposit.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 available = MarketSettlement.books().deposits[msg.sender];
        if (amount > available) revert InsufficientDeposit(amount, available);
        uint64 readyAt = uint64(block.timestamp) + withdrawalDelay;
        _withdrawals[msg.sender] =
            WithdrawalRequest({amount: amount.toUint128(), readyAt: readyAt, expiresAt: readyAt + withdrawalWindow});
        emit WithdrawalRequested(msg.sender, amount, readyAt);
    }

    /// @notice Cancels the caller's withdrawal request.
    function cancelWithdrawal() external {
        if (_withdrawals[msg.sender].readyAt == 0) revert NoWithdrawalRequested();
        delete _withdrawals[msg.sender];
        emit WithdrawalCancelled(msg.sender);
    }

    /// @notice Withdraws the requested amount (or what is left of the deposit, if less) once the delay
    /// has passed and before the request's window closes.
    /// @return amount Token units sent to the caller.
    function withdraw() external nonReentrant returns (uint256 amount) {
        WithdrawalRequest memory request = _withdrawals[msg.sender];
        if (request.readyAt == 0) revert NoWithdrawalRequested();
        if (block.timestamp < request.readyAt) revert WithdrawalNotReady(request.readyAt);
        if (block.timestamp >= request.expiresAt) revert WithdrawalExpired(request.expiresAt);
        uint256 balance = MarketSettlement.books().deposits[msg.sender];
        amount = request.amount < balance ? request.amount : balance;
        if (amount == 0) revert NothingToWithdraw();
        delete _withdrawals[msg.sender];
        MarketSettlement.books().deposits[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- payees and treasury

    /// @notice Pays the caller its whole claimable balance (pull payment).
    /// @return amount Token units sent to the caller.
    function claim() external nonReentrant returns (uint256 amount) {
        amount = MarketSettlement.books().claimable[msg.sender];
        if (amount == 0) revert NothingToClaim();
        MarketSettlement.books().claimable[msg.sender] = 0;
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Pays all accrued protocol fees to the treasury. Anyone may call: the receiver is fixed.
    /// @return amount Token units sent to the treasury.
    function collectFees() external nonReentrant returns (uint256 amount) {
        amount = MarketSettlement.books().feesOwed;
        if (amount == 0) revert NoFeesOwed();
        MarketSettlement.books().feesOwed = 0;
        address to = treasury;
        emit FeesCollected(to, amount);
        token.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Settles a batch of paid inferences (encoding in the contract notes). Settler only; the
    /// caller is the `spender` of every permit. Each inference is settled at most once; one that cannot
    /// be settled is skipped with InferenceSkipped and the rest go through.
    /// @param permits Spend permits with signatures, strictly sorted by (payer, nonce).
    /// @param payees Payee address table the shares index into.
    /// @param words Packed inferences.
    function settleBatch(PermitInput[] calldata permits, address[] calldata payees, uint256[] calldata words)
        external
        onlyRole(SETTLER_ROLE)
        nonReentrant
    {
        if (words.length == 0) revert EmptyBatch();
        (uint256[] memory work, uint256[] memory balances, uint256 payerCount) = MarketSettlement.openBatch(permits, _domainSeparatorV4());
        uint256[] memory totals = new uint256[](payees.length);
        uint256[] memory ctx = MarketSettlement.context(work, totals, payees, words);
        MarketSettlement.run(ctx);
        MarketSettlement.closeBatch(permits, payees, work, balances, payerCount, totals, ctx);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets the protocol fee, at most once per FEE_GRACE. Admin only. Until FEE_GRACE has passed,
    /// an inference split with the previous fee still settles at it.
    /// @param bps Fee in basis points, at most MAX_FEE_BPS.
    function setProtocolFee(uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps);
        MarketSettlement.Books storage b = MarketSettlement.books();
        uint64 changedAt = b.feeChangedAt;
        if (changedAt != 0 && block.timestamp < changedAt + FEE_GRACE) revert FeeChangeTooSoon(changedAt + FEE_GRACE);
        b.previousFeeBps = b.feeBps;
        b.feeBps = bps;
        b.feeChangedAt = uint64(block.timestamp);
        emit ProtocolFeeSet(bps);
    }

    /// @notice Sets the receiver of protocol fees. Admin only.
    /// @param treasury_ The new treasury.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @notice Sets the withdrawal delay for future requests. Admin only.
    /// @param delay Seconds, at most MAX_WITHDRAWAL_DELAY.
    function setWithdrawalDelay(uint64 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (delay > MAX_WITHDRAWAL_DELAY) revert DelayTooLong(delay);
        withdrawalDelay = delay;
        emit WithdrawalDelaySet(delay);
    }

    // ---------------------------------------------------------------- views

    /// @notice Protocol fee in basis points of each price.
    /// @return The fee.
    function feeBps() external view returns (uint16) {
        return MarketSettlement.books().feeBps;
    }

    /// @notice The fees a split may use now: the current one and, until `graceEnds`, the previous one.
    /// @return current The fee in force.
    /// @return previous The fee before the last change (the current one once the grace has ended).
    /// @return graceEnds When the previous fee stops being accepted (0: never changed).
    function acceptedFees() external view returns (uint16 current, uint16 previous, uint64 graceEnds) {
        MarketSettlement.Books storage b = MarketSettlement.books();
        current = b.feeBps;
        graceEnds = b.feeChangedAt == 0 ? 0 : b.feeChangedAt + FEE_GRACE;
        previous = block.timestamp < graceEnds ? b.previousFeeBps : current;
    }

    /// @notice Protocol fees accrued and not yet collected to the treasury.
    /// @return Token units owed to the treasury.
    function feesOwed() external view returns (uint256) {
        return MarketSettlement.books().feesOwed;
    }

    /// @notice The EIP-712 digest a payer signs for a spend permit on this market and chain.
    /// @param payer The account charged.
    /// @param spender The settler allowed to submit it.
    /// @param cap The most that may be charged under this permit.
    /// @param expiry Unix time after which nothing may be charged.
    /// @param nonce Names the permit; one nonce, one permit.
    /// @return The digest.
    function hashSpendPermit(address payer, address spender, uint256 cap, uint256 expiry, uint256 nonce)
        public
        view
        returns (bytes32)
    {
        return MarketSettlement.hashSpendPermit(payer, spender, cap, expiry, nonce, _domainSeparatorV4());
    }

    /// @notice The EIP-712 domain separator (name "UpstreamMarket", version "1", this chain and address).
    /// @return The domain separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice A payer's deposit balance.
    /// @param payer The payer.
    /// @return Token units deposited and not yet charged or withdrawn.
    function depositOf(address payer) external view returns (uint256) {
        return MarketSettlement.books().deposits[payer];
    }

    /// @notice A payee's claimable balance.
    /// @param payee The payee.
    /// @return Token units credited and not yet claimed.
    function claimableOf(address payee) external view returns (uint256) {
        return MarketSettlement.books().claimable[payee];
    }

    /// @notice A payer's pending withdrawal request (readyAt 0 when none).
    /// @param payer The payer.
    /// @return The request.
    function withdrawalOf(address payer) external view returns (WithdrawalRequest memory) {
        return _withdrawals[payer];
    }

    /// @notice Settlement state of a payer's permit nonce.
    /// @param payer The payer.
    /// @param nonce The permit nonce.
    /// @return The amount charged under it and the terms (cap, expiry) of the permit it names.
    function permitStateOf(address payer, uint256 nonce) external view returns (PermitState memory) {
        return MarketSettlement.books().permitStates[payer][nonce];
    }

    /// @notice Whether an inference id has been settled.
    /// @param inferenceId The inference id.
    /// @return True once settled.
    function isSettled(uint256 inferenceId) external view returns (bool) {
        return (MarketSettlement.books().settledWords[inferenceId >> 8] >> (inferenceId & 255)) & 1 == 1;
    }
}
