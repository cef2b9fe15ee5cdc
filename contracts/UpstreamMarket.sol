// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
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
    /// @notice Gas a contract payer's ERC-1271 check may use, so a hostile wallet can only
    /// invalidate its own permit, not exhaust the gas of the whole batch.
    uint256 public constant ERC1271_GAS_LIMIT = 150_000;

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
        (uint256[] memory work, uint256[] memory balances, uint256 payerCount) = _openBatch(permits);
        uint256[] memory totals = new uint256[](payees.length);
        uint256[] memory ctx = _context(work, totals, payees, words);
        _run(ctx);
        _closeBatch(permits, payees, work, balances, payerCount, totals, ctx);
    }

    // Per-permit working state: PERMIT_WORDS words per permit in one memory array.
    uint256 private constant PERMIT_WORDS = 8;
    uint256 private constant W_PAYER = 0x00;
    uint256 private constant W_BALANCE_PTR = 0x20; // memory address of the payer's running balance
    uint256 private constant W_CAP = 0x40;
    uint256 private constant W_SPENT = 0x60;
    uint256 private constant W_STATUS = 0x80;
    uint256 private constant W_SPENT_BEFORE = 0xa0;
    uint256 private constant W_TAG = 0xc0;

    /// @dev Verifies each permit once and loads payer balances and permit states into memory. Payers
    /// share one running balance per address, which the (payer, nonce) ordering makes adjacent.
    function _openBatch(PermitInput[] calldata permits)
        private
        view
        returns (uint256[] memory work, uint256[] memory balances, uint256 payerCount)
    {
        uint256 n = permits.length;
        work = new uint256[](n * PERMIT_WORDS);
        // Balances, then the same values again as "before" (to write back only what changed).
        balances = new uint256[](2 * n);
        for (uint256 k = 0; k < n; ++k) {
            PermitInput calldata p = permits[k];
            bool samePayer = false;
            if (k > 0) {
                PermitInput calldata prev = permits[k - 1];
                if (p.payer < prev.payer || (p.payer == prev.payer && p.nonce <= prev.nonce)) revert UnsortedPermits(k);
                samePayer = p.payer == prev.payer;
            }
            if (!samePayer) {
                uint256 balance = _deposits[p.payer];
                balances[payerCount] = balance;
                balances[n + payerCount] = balance;
                ++payerCount;
            }
            _loadPermit(work, k, p, balances, payerCount - 1);
        }
    }

    function _loadPermit(
        uint256[] memory work,
        uint256 k,
        PermitInput calldata p,
        uint256[] memory balances,
        uint256 payerSlot
    ) private view {
        bytes32 digest = hashSpendPermit(p.payer, msg.sender, p.cap, p.expiry, p.nonce);
        PermitState memory state = _permitStates[p.payer][p.nonce];
        uint96 tag = uint96(uint256(digest));
        SkipReason status = SkipReason.None;
        if (block.timestamp > p.expiry) {
            status = SkipReason.PermitExpired;
        } else if (!_validSignature(p.payer, digest, p.signature)) {
            status = SkipReason.PermitInvalid;
        } else if (state.tag != 0 && state.tag != tag) {
            status = SkipReason.PermitNonceReused;
        }
        uint256 base = k * PERMIT_WORDS;
        uint256 balancePtr;
        assembly {
            balancePtr := add(add(balances, 0x20), shl(5, payerSlot))
        }
        work[base + W_PAYER / 32] = uint256(uint160(p.payer));
        work[base + W_BALANCE_PTR / 32] = balancePtr;
        work[base + W_CAP / 32] = p.cap;
        work[base + W_SPENT / 32] = state.spent;
        work[base + W_STATUS / 32] = uint256(status);
        work[base + W_SPENT_BEFORE / 32] = state.spent;
        work[base + W_TAG / 32] = tag;
    }

    /// @dev ECDSA for an account without code; otherwise ERC-1271 with bounded gas and at most 32 bytes
    /// of return data read, so neither a gas-burning nor a return-bombing wallet can sink the batch.
    function _validSignature(address payer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (payer.code.length == 0) {
            (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecoverCalldata(digest, signature);
            return recoverError == ECDSA.RecoverError.NoError && signer == payer;
        }
        // EIP-150 passes on at most 63/64 of what is left: without this check a low gas limit (or a
        // gas estimate) could starve an honest wallet's check and skip its inferences.
        if (gasleft() < (ERC1271_GAS_LIMIT * 64) / 63 + 5_000) revert InsufficientGasForSignatureCheck();
        bytes memory query = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        bool ok;
        uint256 size;
        bytes32 answer;
        assembly {
            ok := staticcall(ERC1271_GAS_LIMIT, payer, add(query, 0x20), mload(query), 0, 0x20)
            size := returndatasize()
            answer := mload(0)
        }
        return ok && size >= 32 && answer == bytes32(IERC1271.isValidSignature.selector);
    }

    // Batch context: one memory array the assembly loop reads by these offsets.
    uint256 private constant C_WORDS = 0x000; // calldata offset of words[0]
    uint256 private constant C_WORDS_LEN = 0x020;
    uint256 private constant C_WORK = 0x040; // memory address of the permit work area
    uint256 private constant C_PERMITS = 0x060; // number of permits
    uint256 private constant C_TOTALS = 0x080; // memory address of payee totals[0]
    uint256 private constant C_PAYEES = 0x0a0; // calldata offset of payees[0]
    uint256 private constant C_PAYEES_LEN = 0x0c0;
    uint256 private constant C_FEE_BPS = 0x0e0;
    uint256 private constant C_SETTLED_TOPIC = 0x100;
    uint256 private constant C_SKIPPED_TOPIC = 0x120;
    uint256 private constant C_BITMAP_SLOT = 0x140;
    uint256 private constant C_WORD_INDEX = 0x160; // bitmap word cached in memory
    uint256 private constant C_WORD = 0x180;
    uint256 private constant C_WORD_DIRTY = 0x1a0;
    uint256 private constant C_SETTLED = 0x1c0; // counters for BatchSettled
    uint256 private constant C_SKIPPED = 0x1e0;
    uint256 private constant C_CHARGED = 0x200;
    uint256 private constant C_FEES = 0x220;
    uint256 private constant C_MALFORMED_SELECTOR = 0x240;
    uint256 private constant C_PAYEE_INDEX_SELECTOR = 0x260;
    uint256 private constant C_SIZE = 20;

    function _context(
        uint256[] memory work,
        uint256[] memory totals,
        address[] calldata payees,
        uint256[] calldata words
    ) private view returns (uint256[] memory ctx) {
        ctx = new uint256[](C_SIZE);
        uint256 bitmapSlot;
        assembly {
            bitmapSlot := _settledWords.slot
        }
        ctx[C_WORDS / 32] = _calldataOffset(words);
        ctx[C_WORDS_LEN / 32] = words.length;
        ctx[C_WORK / 32] = _memoryData(work);
        ctx[C_PERMITS / 32] = work.length / PERMIT_WORDS;
        ctx[C_TOTALS / 32] = _memoryData(totals);
        ctx[C_PAYEES / 32] = _calldataOffset(payees);
        ctx[C_PAYEES_LEN / 32] = payees.length;
        ctx[C_FEE_BPS / 32] = feeBps;
        ctx[C_SETTLED_TOPIC / 32] = uint256(InferenceSettled.selector);
        ctx[C_SKIPPED_TOPIC / 32] = uint256(InferenceSkipped.selector);
        ctx[C_BITMAP_SLOT / 32] = bitmapSlot;
        ctx[C_WORD_INDEX / 32] = type(uint256).max; // no word cached yet
        ctx[C_MALFORMED_SELECTOR / 32] = uint256(uint32(MalformedBatch.selector));
        ctx[C_PAYEE_INDEX_SELECTOR / 32] = uint256(uint32(PayeeIndexOutOfRange.selector));
    }

    function _calldataOffset(uint256[] calldata a) private pure returns (uint256 offset) {
        assembly {
            offset := a.offset
        }
    }

    function _calldataOffset(address[] calldata a) private pure returns (uint256 offset) {
        assembly {
            offset := a.offset
        }
    }

    function _memoryData(uint256[] memory a) private pure returns (uint256 ptr) {
        assembly {
            ptr := add(a, 0x20)
        }
    }

    /// @dev The hot loop, in assembly because it runs for every inference: the Solidity version spent
    /// ~13k gas per inference on bounds checks and memory-struct plumbing. It only touches memory (the
    /// context, permit work, running balances, payee totals, scratch past the free memory pointer) and
    /// the settled-bitmap storage; everything else is written once by _closeBatch.
    function _run(uint256[] memory ctxArray) private {
        assembly {
            function fail(ctx, selectorAt, arg) {
                mstore(0, shl(224, mload(add(ctx, selectorAt))))
                mstore(4, arg)
                revert(0, 0x24)
            }

            function flushWord(ctx) {
                if mload(add(ctx, C_WORD_DIRTY)) {
                    mstore(0, mload(add(ctx, C_WORD_INDEX)))
                    mstore(0x20, mload(add(ctx, C_BITMAP_SLOT)))
                    sstore(keccak256(0, 0x40), mload(add(ctx, C_WORD)))
                    mstore(add(ctx, C_WORD_DIRTY), 0)
                }
            }

            // Skip reason for inference `id` of `price` under the permit at `p`, 0 if it can settle.
            function check(ctx, p, id, price) -> reason {
                let wordIndex := shr(8, id)
                if iszero(eq(wordIndex, mload(add(ctx, C_WORD_INDEX)))) {
                    flushWord(ctx)
                    mstore(add(ctx, C_WORD_INDEX), wordIndex)
                    mstore(0, wordIndex)
                    mstore(0x20, mload(add(ctx, C_BITMAP_SLOT)))
                    mstore(add(ctx, C_WORD), sload(keccak256(0, 0x40)))
                }
                if and(shr(and(id, 255), mload(add(ctx, C_WORD))), 1) {
                    reason := 1 // AlreadySettled
                    leave
                }
                reason := mload(add(p, W_STATUS)) // the permit's own status
                if reason { leave }
                // spent <= cap always holds, so the subtraction cannot wrap.
                if gt(price, sub(mload(add(p, W_CAP)), mload(add(p, W_SPENT)))) {
                    reason := 5 // PermitCapExceeded
                    leave
                }
                if lt(mload(mload(add(p, W_BALANCE_PTR))), price) { reason := 6 } // InsufficientBalance
            }

            // Adds each share to its payee's total and writes the payout words at `out`.
            function credit(ctx, at, count, out) -> sum {
                let totals := mload(add(ctx, C_TOTALS))
                let payees := mload(add(ctx, C_PAYEES))
                let payeeCount := mload(add(ctx, C_PAYEES_LEN))
                let u96 := sub(shl(96, 1), 1)
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    // Two shares per word, the first in the high half.
                    let share := and(
                        shr(shl(7, iszero(and(i, 1))), calldataload(add(at, shl(5, shr(1, i))))),
                        sub(shl(128, 1), 1)
                    )
                    let index := shr(96, share)
                    if iszero(lt(index, payeeCount)) { fail(ctx, C_PAYEE_INDEX_SELECTOR, index) }
                    let amount := and(share, u96)
                    let t := add(totals, shl(5, index))
                    mstore(t, add(mload(t), amount))
                    sum := add(sum, amount)
                    mstore(add(out, shl(5, i)), or(shl(96, calldataload(add(payees, shl(5, index)))), amount))
                }
                // An odd count leaves the low half of its last word unused; it must be empty.
                if and(count, 1) {
                    let last := add(at, shl(5, shr(1, count)))
                    if and(calldataload(last), sub(shl(128, 1), 1)) {
                        fail(ctx, C_MALFORMED_SELECTOR, shr(5, sub(last, mload(add(ctx, C_WORDS)))))
                    }
                }
            }

            function uncredit(ctx, at, count) {
                let totals := mload(add(ctx, C_TOTALS))
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let share := shr(shl(7, iszero(and(i, 1))), calldataload(add(at, shl(5, shr(1, i)))))
                    let t := add(totals, shl(5, and(shr(96, share), 0xffffffff)))
                    mstore(t, sub(mload(t), and(share, sub(shl(96, 1), 1))))
                }
            }

            function bump(ctx, at, by) {
                mstore(add(ctx, at), add(mload(add(ctx, at)), by))
            }

            // Applies a settled inference to the batch state: bitmap, permit, payer balance, counters.
            function apply(ctx, p, id, price, fee) {
                mstore(add(ctx, C_WORD), or(mload(add(ctx, C_WORD)), shl(and(id, 255), 1)))
                mstore(add(ctx, C_WORD_DIRTY), 1)
                mstore(add(p, W_SPENT), add(mload(add(p, W_SPENT)), price))
                let payerBalance := mload(add(p, W_BALANCE_PTR))
                mstore(payerBalance, sub(mload(payerBalance), price))
                bump(ctx, C_SETTLED, 1)
                bump(ctx, C_CHARGED, price)
                bump(ctx, C_FEES, fee)
            }

            // Credits the shares if they sum to the price less the fee and emits InferenceSettled;
            // otherwise undoes the credits and returns SplitMismatch.
            function trySettle(ctx, p, head, cursor) -> reason {
                let price := and(shr(16, head), sub(shl(96, 1), 1))
                let fee := div(mul(price, mload(add(ctx, C_FEE_BPS))), 10000)
                let count := and(head, 0xffff)
                let at := add(mload(add(ctx, C_WORDS)), shl(5, add(cursor, 2)))
                // Event data at the free memory pointer: price, fee, attributionHash, offset, count, payouts.
                let data := mload(0x40)
                if iszero(eq(credit(ctx, at, count, add(data, 0xa0)), sub(price, fee))) {
                    uncredit(ctx, at, count)
                    reason := 7 // SplitMismatch
                    leave
                }
                apply(ctx, p, shr(192, head), price, fee)
                mstore(data, price)
                mstore(add(data, 0x20), fee)
                mstore(add(data, 0x40), calldataload(sub(at, 0x20)))
                mstore(add(data, 0x60), 0x80)
                mstore(add(data, 0x80), count)
                log4(
                    data,
                    add(0xa0, shl(5, count)),
                    mload(add(ctx, C_SETTLED_TOPIC)),
                    shr(192, head),
                    mload(add(p, W_PAYER)),
                    and(shr(112, head), sub(shl(64, 1), 1))
                )
            }

            // Settles or skips the inference whose head word is at `cursor`; returns the next cursor.
            function settleOne(ctx, cursor) -> next {
                let head := calldataload(add(mload(add(ctx, C_WORDS)), shl(5, cursor)))
                next := add(cursor, add(2, shr(1, add(and(head, 0xffff), 1))))
                let permitIndex := and(shr(176, head), 0xffff)
                if or(gt(next, mload(add(ctx, C_WORDS_LEN))), iszero(lt(permitIndex, mload(add(ctx, C_PERMITS))))) {
                    fail(ctx, C_MALFORMED_SELECTOR, cursor)
                }
                let p := add(mload(add(ctx, C_WORK)), mul(permitIndex, 0x100)) // PERMIT_WORDS words per permit
                let reason := check(ctx, p, shr(192, head), and(shr(16, head), sub(shl(96, 1), 1)))
                if iszero(reason) { reason := trySettle(ctx, p, head, cursor) }
                if reason {
                    bump(ctx, C_SKIPPED, 1)
                    mstore(0, reason)
                    log3(0, 0x20, mload(add(ctx, C_SKIPPED_TOPIC)), shr(192, head), mload(add(p, W_PAYER)))
                }
            }

            let ctx := add(ctxArray, 0x20)
            let length := mload(add(ctx, C_WORDS_LEN))
            for { let cursor := 0 } lt(cursor, length) {} { cursor := settleOne(ctx, cursor) }
            flushWord(ctx)
        }
    }

    /// @dev Writes the batch's results to storage once: permit states, payer deposits, payee balances, fees.
    function _closeBatch(
        PermitInput[] calldata permits,
        address[] calldata payees,
        uint256[] memory work,
        uint256[] memory balances,
        uint256 payerCount,
        uint256[] memory totals,
        uint256[] memory ctx
    ) private {
        uint256 n = permits.length;
        for (uint256 k = 0; k < n; ++k) {
            uint256 base = k * PERMIT_WORDS;
            uint256 spent = work[base + W_SPENT / 32];
            if (spent != work[base + W_SPENT_BEFORE / 32]) {
                PermitInput calldata p = permits[k];
                _permitStates[p.payer][p.nonce] = PermitState({spent: spent.toUint128(), tag: uint96(work[base + W_TAG / 32])});
                emit PermitSpent(p.payer, p.nonce, spent, p.cap);
            }
        }
        // Payer slots follow the permits' order: a new slot starts wherever the payer changes.
        uint256 slot = 0;
        for (uint256 k = 0; k < n; ++k) {
            if (k > 0 && permits[k].payer == permits[k - 1].payer) continue;
            if (balances[slot] != balances[n + slot]) _deposits[permits[k].payer] = balances[slot];
            ++slot;
        }
        assert(slot == payerCount);
        for (uint256 j = 0; j < totals.length; ++j) {
            uint256 total = totals[j];
            if (total != 0) {
                address payee = payees[j];
                if (payee == address(0)) revert InvalidPayee(j);
                _claimable[payee] += total;
            }
        }
        uint256 fees = ctx[C_FEES / 32];
        if (fees != 0) feesOwed += fees;
        emit BatchSettled(msg.sender, ctx[C_SETTLED / 32], ctx[C_SKIPPED / 32], ctx[C_CHARGED / 32], fees);
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
