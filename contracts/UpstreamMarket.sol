// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

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
contract UpstreamMarket is AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Role allowed to settle batches; it is also the `spender` payers name in their permits.
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");
    /// @notice EIP-712 type hash of a spend permit.
    bytes32 public constant SPEND_PERMIT_TYPEHASH =
        keccak256("SpendPermit(address payer,address spender,uint256 cap,uint256 expiry,uint256 nonce)");
    /// @notice 100% in basis points.
    uint256 public constant BPS = 10_000;
    /// @notice Highest protocol fee the admin may set (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Longest withdrawal delay the admin may set.
    uint64 public constant MAX_WITHDRAWAL_DELAY = 30 days;

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

    /// @notice Settlement state of one (payer, nonce): the amount charged so far and a tag of the permit
    /// first settled under this nonce (the low 96 bits of its EIP-712 digest), so a nonce names one permit.
    struct PermitState {
        uint128 spent;
        uint96 tag;
    }

    /// @notice A pending withdrawal request.
    struct WithdrawalRequest {
        uint128 amount;
        uint64 readyAt;
    }

    /// @dev Per-permit working state during a batch.
    struct PermitWork {
        address payer;
        uint256 payerSlot;
        uint256 cap;
        uint256 spent;
        uint256 spentBefore;
        uint96 tag;
        SkipReason status;
    }

    /// @dev Working state of one batch, kept in memory and written once at its end.
    struct Batch {
        PermitWork[] permits;
        address[] payers;
        uint256[] balances;
        uint256[] balancesBefore;
        uint256[] payeeTotals;
        uint256[] payouts;
        uint256 payoutCapacity;
        uint256 cursor;
        uint256 feeBps;
        uint256 wordIndex;
        uint256 word;
        bool wordLoaded;
        bool wordDirty;
        uint256 settled;
        uint256 skipped;
        uint256 charged;
        uint256 fees;
    }

    /// @notice The payment token.
    IERC20 public immutable token;
    /// @notice Receiver of protocol fees.
    address public treasury;
    /// @notice Protocol fee in basis points of each price.
    uint16 public feeBps;
    /// @notice Seconds between a withdrawal request and the withdrawal.
    uint64 public withdrawalDelay;
    /// @notice Protocol fees accrued and not yet collected to the treasury.
    uint256 public feesOwed;

    mapping(address => uint256) private _deposits;
    mapping(address => uint256) private _claimable;
    mapping(address => WithdrawalRequest) private _withdrawals;
    mapping(address => mapping(uint256 => PermitState)) private _permitStates;
    /// @dev Settled inference ids, 256 per word: bit (id & 255) of word (id >> 8).
    mapping(uint256 => uint256) private _settledWords;

    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice A zero amount where a positive one is required.
    error ZeroAmount();
    /// @notice A fee above MAX_FEE_BPS.
    error FeeTooHigh(uint16 bps);
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
    /// @notice An inference was settled: the payer was charged `price`, the treasury accrued `fee`, and
    /// each `payouts` word credits `address(uint160(word >> 96))` with `uint96(word)`.
    event InferenceSettled(
        uint256 indexed inferenceId,
        address indexed payer,
        uint256 indexed modelId,
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
    /// @param admin Holder of DEFAULT_ADMIN_ROLE.
    /// @param treasury_ Receiver of protocol fees.
    /// @param settler Holder of SETTLER_ROLE (may be the zero address to grant later).
    /// @param feeBps_ Protocol fee in basis points.
    /// @param withdrawalDelay_ Seconds between a withdrawal request and the withdrawal.
    constructor(
        IERC20 token_,
        address admin,
        address treasury_,
        address settler,
        uint16 feeBps_,
        uint64 withdrawalDelay_
    ) EIP712("UpstreamMarket", "1") {
        if (address(token_) == address(0) || admin == address(0) || treasury_ == address(0)) revert ZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_);
        if (withdrawalDelay_ > MAX_WITHDRAWAL_DELAY) revert DelayTooLong(withdrawalDelay_);
        token = token_;
        treasury = treasury_;
        feeBps = feeBps_;
        withdrawalDelay = withdrawalDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
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
        uint256 balance = _deposits[msg.sender] + received;
        _deposits[msg.sender] = balance;
        emit Deposited(msg.sender, received, balance);
    }

    /// @notice Asks to withdraw up to `amount` of the caller's deposit after the withdrawal delay, so
    /// permits already signed can still be settled meanwhile. Replaces an earlier request.
    /// @param amount Token units to withdraw, at most the current deposit.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 available = _deposits[msg.sender];
        if (amount > available) revert InsufficientDeposit(amount, available);
        uint64 readyAt = uint64(block.timestamp) + withdrawalDelay;
        _withdrawals[msg.sender] = WithdrawalRequest({amount: amount.toUint128(), readyAt: readyAt});
        emit WithdrawalRequested(msg.sender, amount, readyAt);
    }

    /// @notice Cancels the caller's withdrawal request.
    function cancelWithdrawal() external {
        if (_withdrawals[msg.sender].readyAt == 0) revert NoWithdrawalRequested();
        delete _withdrawals[msg.sender];
        emit WithdrawalCancelled(msg.sender);
    }

    /// @notice Withdraws the requested amount (or what is left of the deposit, if less) once the delay
    /// has passed.
    /// @return amount Token units sent to the caller.
    function withdraw() external nonReentrant returns (uint256 amount) {
        WithdrawalRequest memory request = _withdrawals[msg.sender];
        if (request.readyAt == 0) revert NoWithdrawalRequested();
        if (block.timestamp < request.readyAt) revert WithdrawalNotReady(request.readyAt);
        uint256 balance = _deposits[msg.sender];
        amount = request.amount < balance ? request.amount : balance;
        if (amount == 0) revert NothingToWithdraw();
        delete _withdrawals[msg.sender];
        _deposits[msg.sender] = balance - amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- payees and treasury

    /// @notice Pays the caller its whole claimable balance (pull payment).
    /// @return amount Token units sent to the caller.
    function claim() external nonReentrant returns (uint256 amount) {
        amount = _claimable[msg.sender];
        if (amount == 0) revert NothingToClaim();
        _claimable[msg.sender] = 0;
        emit Claimed(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    /// @notice Pays all accrued protocol fees to the treasury. Anyone may call: the receiver is fixed.
    /// @return amount Token units sent to the treasury.
    function collectFees() external nonReentrant returns (uint256 amount) {
        amount = feesOwed;
        if (amount == 0) revert NoFeesOwed();
        feesOwed = 0;
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
        Batch memory b = _openBatch(permits, payees.length);
        uint256 cursor = 0;
        while (cursor < words.length) {
            cursor = _settleOne(b, permits, payees, words, cursor);
        }
        _closeBatch(b, permits, payees);
    }

    /// @dev Verifies each permit once and loads payer balances and permit states into memory.
    function _openBatch(PermitInput[] calldata permits, uint256 payeeCount) private view returns (Batch memory b) {
        uint256 n = permits.length;
        b.permits = new PermitWork[](n);
        b.payers = new address[](n);
        b.balances = new uint256[](n);
        b.balancesBefore = new uint256[](n);
        b.payeeTotals = new uint256[](payeeCount);
        b.payouts = new uint256[](8);
        b.payoutCapacity = 8;
        b.feeBps = feeBps;
        uint256 payerCount = 0;
        for (uint256 k = 0; k < n; ++k) {
            PermitInput calldata p = permits[k];
            if (k > 0) {
                PermitInput calldata prev = permits[k - 1];
                if (p.payer < prev.payer || (p.payer == prev.payer && p.nonce <= prev.nonce)) {
                    revert UnsortedPermits(k);
                }
            }
            if (k == 0 || p.payer != permits[k - 1].payer) {
                uint256 balance = _deposits[p.payer];
                b.payers[payerCount] = p.payer;
                b.balances[payerCount] = balance;
                b.balancesBefore[payerCount] = balance;
                ++payerCount;
            }
            b.permits[k] = _loadPermit(p, payerCount - 1);
        }
        // Shrink the payer arrays to the payers actually present.
        uint256[] memory balances = b.balances;
        uint256[] memory balancesBefore = b.balancesBefore;
        address[] memory payers = b.payers;
        assembly {
            mstore(balances, payerCount)
            mstore(balancesBefore, payerCount)
            mstore(payers, payerCount)
        }
    }

    function _loadPermit(PermitInput calldata p, uint256 payerSlot) private view returns (PermitWork memory w) {
        w.payer = p.payer;
        w.payerSlot = payerSlot;
        w.cap = p.cap;
        bytes32 digest = hashSpendPermit(p.payer, msg.sender, p.cap, p.expiry, p.nonce);
        w.tag = uint96(uint256(digest));
        PermitState memory state = _permitStates[p.payer][p.nonce];
        w.spent = state.spent;
        w.spentBefore = state.spent;
        if (block.timestamp > p.expiry) {
            w.status = SkipReason.PermitExpired;
        } else if (!SignatureChecker.isValidSignatureNowCalldata(p.payer, digest, p.signature)) {
            w.status = SkipReason.PermitInvalid;
        } else if (state.tag != 0 && state.tag != w.tag) {
            w.status = SkipReason.PermitNonceReused;
        }
    }

    /// @dev Settles or skips the inference at `cursor`; returns the cursor of the next one.
    function _settleOne(
        Batch memory b,
        PermitInput[] calldata permits,
        address[] calldata payees,
        uint256[] calldata words,
        uint256 cursor
    ) private returns (uint256 next) {
        uint256 head = words[cursor];
        uint256 permitIndex = (head >> 176) & 0xffff;
        unchecked {
            next = cursor + 2 + ((head & 0xffff) + 1) / 2;
        }
        if (next > words.length || permitIndex >= permits.length) revert MalformedBatch(cursor);
        b.cursor = cursor;
        PermitWork memory w = b.permits[permitIndex];
        SkipReason reason = _trySettle(b, w, payees, words, cursor);
        if (reason != SkipReason.None) {
            ++b.skipped;
            emit InferenceSkipped(head >> 192, w.payer, reason);
        }
    }

    /// @dev Checks one inference and, if it passes, applies it to the batch's working state.
    function _trySettle(
        Batch memory b,
        PermitWork memory w,
        address[] calldata payees,
        uint256[] calldata words,
        uint256 cursor
    ) private returns (SkipReason reason) {
        uint256 head = words[cursor];
        uint256 price = (head >> 16) & type(uint96).max;
        reason = _check(b, w, head >> 192, price);
        if (reason != SkipReason.None) return reason;
        uint256 fee = (price * b.feeBps) / BPS;
        uint256 count = head & 0xffff;
        if (!_credit(b, payees, words[cursor + 2:cursor + 2 + (count + 1) / 2], count, price - fee)) {
            return SkipReason.SplitMismatch;
        }
        _markSettled(b, head >> 192);
        w.spent += price;
        b.balances[w.payerSlot] -= price;
        b.charged += price;
        b.fees += fee;
        ++b.settled;
        _emitSettled(b, w, words, cursor, price, fee);
    }

    function _emitSettled(
        Batch memory b,
        PermitWork memory w,
        uint256[] calldata words,
        uint256 cursor,
        uint256 price,
        uint256 fee
    ) private {
        uint256 head = words[cursor];
        emit InferenceSettled(
            head >> 192, w.payer, (head >> 112) & type(uint64).max, price, fee, bytes32(words[cursor + 1]), b.payouts
        );
    }

    function _check(Batch memory b, PermitWork memory w, uint256 id, uint256 price)
        private
        returns (SkipReason)
    {
        if (_isSettledCached(b, id)) return SkipReason.AlreadySettled;
        if (w.status != SkipReason.None) return w.status;
        if (w.spent + price > w.cap) return SkipReason.PermitCapExceeded;
        if (b.balances[w.payerSlot] < price) return SkipReason.InsufficientBalance;
        return SkipReason.None;
    }

    /// @dev Adds the shares to the payees' batch totals and builds the payouts for the event. If the
    /// amounts do not sum to `expected`, undoes the additions and returns false.
    function _credit(
        Batch memory b,
        address[] calldata payees,
        uint256[] calldata shares,
        uint256 count,
        uint256 expected
    ) private pure returns (bool) {
        uint256[] memory payouts = _payoutBuffer(b, count);
        uint256[] memory totals = b.payeeTotals;
        uint256 sum = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 share = _share(shares, i);
            uint256 index = share >> 96;
            if (index >= payees.length) revert PayeeIndexOutOfRange(index);
            uint256 amount = share & type(uint96).max;
            totals[index] += amount;
            sum += amount;
            payouts[i] = (uint256(uint160(payees[index])) << 96) | amount;
        }
        // An odd count leaves the low half of the last word unused; it must be empty.
        if (count & 1 == 1 && shares[count >> 1] & type(uint128).max != 0) revert MalformedBatch(b.cursor);
        if (sum == expected) return true;
        for (uint256 i = 0; i < count; ++i) {
            uint256 share = _share(shares, i);
            totals[share >> 96] -= share & type(uint96).max;
        }
        return false;
    }

    function _share(uint256[] calldata shares, uint256 i) private pure returns (uint256) {
        uint256 word = shares[i >> 1];
        return (i & 1 == 0) ? word >> 128 : word & type(uint128).max;
    }

    /// @dev The batch's reusable payouts array, resized to `count` entries.
    function _payoutBuffer(Batch memory b, uint256 count) private pure returns (uint256[] memory payouts) {
        payouts = b.payouts;
        if (b.payoutCapacity < count) {
            payouts = new uint256[](count);
            b.payouts = payouts;
            b.payoutCapacity = count;
        }
        assembly {
            mstore(payouts, count)
        }
    }

    /// @dev Reads the settled bit of `id`, keeping the current bitmap word in memory.
    function _isSettledCached(Batch memory b, uint256 id) private returns (bool) {
        _loadWord(b, id >> 8);
        return (b.word >> (id & 255)) & 1 == 1;
    }

    function _markSettled(Batch memory b, uint256 id) private {
        _loadWord(b, id >> 8);
        b.word |= 1 << (id & 255);
        b.wordDirty = true;
    }

    /// @dev Makes word `wordIndex` the cached one, writing back the previous one if it changed.
    function _loadWord(Batch memory b, uint256 wordIndex) private {
        if (!b.wordLoaded || b.wordIndex != wordIndex) {
            _flushWord(b);
            b.wordIndex = wordIndex;
            b.word = _settledWords[wordIndex];
            b.wordLoaded = true;
        }
    }

    function _flushWord(Batch memory b) private {
        if (b.wordDirty) {
            _settledWords[b.wordIndex] = b.word;
            b.wordDirty = false;
        }
    }

    /// @dev Writes the batch's totals to storage: payer deposits, permit states, payee balances, fees.
    function _closeBatch(Batch memory b, PermitInput[] calldata permits, address[] calldata payees) private {
        _flushWord(b);
        for (uint256 k = 0; k < b.permits.length; ++k) {
            PermitWork memory w = b.permits[k];
            if (w.spent != w.spentBefore) {
                PermitInput calldata p = permits[k];
                _permitStates[p.payer][p.nonce] = PermitState({spent: w.spent.toUint128(), tag: w.tag});
                emit PermitSpent(p.payer, p.nonce, w.spent, w.cap);
            }
        }
        for (uint256 i = 0; i < b.payers.length; ++i) {
            if (b.balances[i] != b.balancesBefore[i]) _deposits[b.payers[i]] = b.balances[i];
        }
        uint256[] memory totals = b.payeeTotals;
        for (uint256 j = 0; j < totals.length; ++j) {
            uint256 total = totals[j];
            if (total != 0) {
                address payee = payees[j];
                if (payee == address(0)) revert InvalidPayee(j);
                _claimable[payee] += total;
            }
        }
        if (b.fees != 0) feesOwed += b.fees;
        emit BatchSettled(msg.sender, b.settled, b.skipped, b.charged, b.fees);
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets the protocol fee. Admin only.
    /// @param bps Fee in basis points, at most MAX_FEE_BPS.
    function setProtocolFee(uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert FeeTooHigh(bps);
        feeBps = bps;
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
        return _hashTypedDataV4(keccak256(abi.encode(SPEND_PERMIT_TYPEHASH, payer, spender, cap, expiry, nonce)));
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
        return _deposits[payer];
    }

    /// @notice A payee's claimable balance.
    /// @param payee The payee.
    /// @return Token units credited and not yet claimed.
    function claimableOf(address payee) external view returns (uint256) {
        return _claimable[payee];
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
    /// @return The amount charged under it and the tag of the permit it names.
    function permitStateOf(address payer, uint256 nonce) external view returns (PermitState memory) {
        return _permitStates[payer][nonce];
    }

    /// @notice Whether an inference id has been settled.
    /// @param inferenceId The inference id.
    /// @return True once settled.
    function isSettled(uint256 inferenceId) external view returns (bool) {
        return (_settledWords[inferenceId >> 8] >> (inferenceId & 255)) & 1 == 1;
    }
}
