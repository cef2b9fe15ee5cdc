// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {UpstreamMarket} from "./UpstreamMarket.sol";

/// @title MarketSettlement
/// @notice The settlement engine of UpstreamMarket (encoding and skip rules in the market's notes):
/// openBatch (verify permits, load balances) -> context -> run (settle or skip each inference) -> closeBatch
/// (write the results to the books once). Internal functions only, so the market compiles them in: no
/// external call and no DELEGATECALL. The types, events and errors are the market's own, so the market's
/// ABI is the whole interface.
library MarketSettlement {
    using SafeCast for uint256;

    /// @notice EIP-712 type hash of a spend permit (UpstreamMarket.SPEND_PERMIT_TYPEHASH).
    bytes32 internal constant SPEND_PERMIT_TYPEHASH =
        keccak256("SpendPermit(address payer,address spender,uint256 cap,uint256 expiry,uint256 nonce)");
    /// @notice Gas a contract payer's ERC-1271 check may use (UpstreamMarket.ERC1271_GAS_LIMIT).
    uint256 internal constant ERC1271_GAS_LIMIT = 150_000;
    /// @notice How long a split with the previous fee still settles (UpstreamMarket.FEE_GRACE).
    uint64 internal constant FEE_GRACE = 1 days;

    /// @notice The market's storage that settlement reads and writes.
    /// @custom:storage-location erc7201:upstream.storage.MarketSettlement.Books
    struct Books {
        /// @dev Payer deposits.
        mapping(address => uint256) deposits;
        /// @dev Payee balances, claimed by pull payment.
        mapping(address => uint256) claimable;
        /// @dev Settlement state per (payer, nonce).
        mapping(address => mapping(uint256 => UpstreamMarket.PermitState)) permitStates;
        /// @dev Settled inference ids, 256 per word: bit (id & 255) of word (id >> 8).
        mapping(uint256 => uint256) settledWords;
        /// @dev Protocol fees accrued and not yet collected to the treasury.
        uint256 feesOwed;
        /// @dev Protocol fee in basis points of each price.
        uint16 feeBps;
        /// @dev The fee before the last change, still accepted until feeChangedAt + FEE_GRACE (same slot as feeBps).
        uint16 previousFeeBps;
        /// @dev When the fee last changed (0: never).
        uint64 feeChangedAt;
    }

    // keccak256(abi.encode(uint256(keccak256("upstream.storage.MarketSettlement.Books")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant BOOKS_SLOT = 0xd49fc20e4b3e2c760687c6f5698184415789eeeff9d77bd7f0cec4a0e159f500;

    /// @notice The market's books, at a fixed slot (ERC-7201) rather than a storage pointer handed down
    /// every call: passing one through the batch functions cost ~350 gas per batch.
    function books() internal pure returns (Books storage b) {
        assembly {
            b.slot := BOOKS_SLOT
        }
    }

    /// @notice The EIP-712 digest of a spend permit under the market's `domainSeparator`.
    function hashSpendPermit(
        address payer,
        address spender,
        uint256 cap,
        uint256 expiry,
        uint256 nonce,
        bytes32 domainSeparator
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(SPEND_PERMIT_TYPEHASH, payer, spender, cap, expiry, nonce));
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    // Per-permit working state: PERMIT_WORDS words per permit in one memory array.
    uint256 private constant PERMIT_WORDS = 8;
    uint256 private constant W_PAYER = 0x00;
    uint256 private constant W_BALANCE_PTR = 0x20; // memory address of the payer's running balance
    uint256 private constant W_CAP = 0x40;
    uint256 private constant W_SPENT = 0x60;
    uint256 private constant W_STATUS = 0x80;
    uint256 private constant W_SPENT_BEFORE = 0xa0;
    uint256 private constant W_EXPIRY = 0xc0; // the expiry as stored (at most 2^64 - 1)
    uint256 private constant W_NONCE = 0xe0;
    /// @dev Largest cap and expiry a PermitState keeps; larger ones count as these.
    uint256 private constant MAX_CAP = type(uint96).max;
    uint256 private constant MAX_EXPIRY = type(uint64).max;

    /// @dev Verifies each permit once and loads payer balances and permit states into memory. Payers
    /// share one running balance per address, which the (payer, nonce) ordering makes adjacent.
    function openBatch(UpstreamMarket.PermitInput[] calldata permits, bytes32 domainSeparator)
        internal
        view
        returns (uint256[] memory work, uint256[] memory balances, uint256 payerCount)
    {
        uint256 n = permits.length;
        work = new uint256[](n * PERMIT_WORDS);
        // Balances, then the same values again as "before" (to write back only what changed).
        balances = new uint256[](2 * n);
        for (uint256 k = 0; k < n; ++k) {
            UpstreamMarket.PermitInput calldata p = permits[k];
            bool samePayer = false;
            if (k > 0) {
                UpstreamMarket.PermitInput calldata prev = permits[k - 1];
                if (p.payer < prev.payer || (p.payer == prev.payer && p.nonce <= prev.nonce)) revert UpstreamMarket.UnsortedPermits(k);
                samePayer = p.payer == prev.payer;
            }
            if (!samePayer) {
                uint256 balance = books().deposits[p.payer];
                balances[payerCount] = balance;
                balances[n + payerCount] = balance;
                ++payerCount;
            }
            _loadPermit(work, k, p, balances, payerCount - 1, domainSeparator);
        }
    }

    function _loadPermit(
        uint256[] memory work,
        uint256 k,
        UpstreamMarket.PermitInput calldata p,
        uint256[] memory balances,
        uint256 payerSlot,
        bytes32 domainSeparator
    ) private view {
        bytes32 digest = hashSpendPermit(p.payer, msg.sender, p.cap, p.expiry, p.nonce, domainSeparator);
        // The PermitState slot read whole: spent (bits 0..95) | cap (96..191) | expiry (192..255).
        uint256 state = _permitStateSlot(p.payer, p.nonce);
        assembly {
            state := sload(state)
        }
        uint256 spent = state & MAX_CAP;
        uint256 cap = p.cap < MAX_CAP ? p.cap : MAX_CAP;
        uint256 expiry = p.expiry < MAX_EXPIRY ? p.expiry : MAX_EXPIRY;
        UpstreamMarket.SkipReason status = UpstreamMarket.SkipReason.None;
        if (block.timestamp > p.expiry) {
            status = UpstreamMarket.SkipReason.PermitExpired;
        } else if (!_validSignature(p.payer, digest, p.signature)) {
            status = UpstreamMarket.SkipReason.PermitInvalid;
        } else if ((state >> 192) != 0 && (state >> 96) != (cap | (expiry << 96))) {
            // The nonce was charged under other terms: compared whole, so no digest collision can pass.
            status = UpstreamMarket.SkipReason.PermitNonceReused;
        }
        uint256 base = k * PERMIT_WORDS;
        uint256 balancePtr;
        assembly {
            balancePtr := add(add(balances, 0x20), shl(5, payerSlot))
        }
        work[base + W_PAYER / 32] = uint256(uint160(p.payer));
        work[base + W_BALANCE_PTR / 32] = balancePtr;
        work[base + W_CAP / 32] = cap;
        work[base + W_SPENT / 32] = spent;
        work[base + W_STATUS / 32] = uint256(status);
        work[base + W_SPENT_BEFORE / 32] = spent;
        work[base + W_EXPIRY / 32] = expiry;
        work[base + W_NONCE / 32] = p.nonce;
    }

    /// @dev The storage slot of permitStates[payer][nonce] (one word: see UpstreamMarket.PermitState).
    function _permitStateSlot(address payer, uint256 nonce) private view returns (uint256 slot) {
        UpstreamMarket.PermitState storage s = books().permitStates[payer][nonce];
        assembly {
            slot := s.slot
        }
    }

    /// @dev ECDSA first: a signature the payer's own key made stays valid whatever code the address gets
    /// later (an EIP-7702 delegation, a wallet that rotates its owners), so a payer cannot void a permit
    /// it signed once inferences ran under it. Only when ECDSA does not recover the payer, and the payer
    /// has code, ERC-1271 with bounded gas and at most 32 bytes of return data read, so neither a
    /// gas-burning nor a return-bombing wallet can sink the batch. This is the order of OpenZeppelin 4's
    /// SignatureChecker; OpenZeppelin 5's asks ERC-1271 alone whenever there is code, which lets a
    /// delegated EOA void its own permits.
    function _validSignature(address payer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (recoverError == ECDSA.RecoverError.NoError && signer == payer) return true;
        if (payer.code.length == 0) return false;
        // EIP-150 passes on at most 63/64 of what is left: without this check a low gas limit (or a
        // gas estimate) could starve an honest wallet's check and skip its inferences.
        if (gasleft() < (ERC1271_GAS_LIMIT * 64) / 63 + 5_000) revert UpstreamMarket.InsufficientGasForSignatureCheck();
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
    uint256 private constant C_PREVIOUS_FEE_BPS = 0x280; // the fee a split may also use (feeBps after the grace)
    uint256 private constant C_SIZE = 21;

    /// @dev The batch context `run` reads: where the words, permit work, payee table and totals are, the
    /// fee, the event topics and error selectors, the cached bitmap word and the batch's counters.
    function context(
        uint256[] memory work,
        uint256[] memory totals,
        address[] calldata payees,
        uint256[] calldata words
    ) internal view returns (uint256[] memory ctx) {
        ctx = new uint256[](C_SIZE);
        mapping(uint256 => uint256) storage settledWords = books().settledWords;
        uint256 bitmapSlot;
        assembly {
            bitmapSlot := settledWords.slot
        }
        ctx[C_WORDS / 32] = _calldataOffset(words);
        ctx[C_WORDS_LEN / 32] = words.length;
        ctx[C_WORK / 32] = _memoryData(work);
        ctx[C_PERMITS / 32] = work.length / PERMIT_WORDS;
        ctx[C_TOTALS / 32] = _memoryData(totals);
        ctx[C_PAYEES / 32] = _calldataOffset(payees);
        ctx[C_PAYEES_LEN / 32] = payees.length;
        Books storage b = books();
        ctx[C_FEE_BPS / 32] = b.feeBps;
        ctx[C_PREVIOUS_FEE_BPS / 32] = block.timestamp < uint256(b.feeChangedAt) + FEE_GRACE
            ? b.previousFeeBps
            : b.feeBps;
        ctx[C_SETTLED_TOPIC / 32] = uint256(UpstreamMarket.InferenceSettled.selector);
        ctx[C_SKIPPED_TOPIC / 32] = uint256(UpstreamMarket.InferenceSkipped.selector);
        ctx[C_BITMAP_SLOT / 32] = bitmapSlot;
        ctx[C_WORD_INDEX / 32] = type(uint256).max; // no word cached yet
        ctx[C_MALFORMED_SELECTOR / 32] = uint256(uint32(UpstreamMarket.MalformedBatch.selector));
        ctx[C_PAYEE_INDEX_SELECTOR / 32] = uint256(uint32(UpstreamMarket.PayeeIndexOutOfRange.selector));
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
    /// the settled-bitmap storage; everything else is written once by closeBatch.
    function run(uint256[] memory ctxArray) internal {
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
                // No subtraction to wrap: spent and price are below 2^96 (spent grows only while
                // spent + price <= cap < 2^96), so the sum cannot overflow, and a stored spent above the
                // cap, should one ever exist, still refuses every charge.
                if gt(add(mload(add(p, W_SPENT)), price), mload(add(p, W_CAP))) {
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
                // Event data at the free memory pointer: permitNonce, price, fee, attributionHash, offset,
                // count, payouts.
                let data := mload(0x40)
                let paid := credit(ctx, at, count, add(data, 0xc0))
                if iszero(eq(paid, sub(price, fee))) {
                    // Split before a fee change, settled within its grace: the fee it was split with.
                    fee := div(mul(price, mload(add(ctx, C_PREVIOUS_FEE_BPS))), 10000)
                    if iszero(eq(paid, sub(price, fee))) {
                        uncredit(ctx, at, count)
                        reason := 7 // SplitMismatch
                        leave
                    }
                }
                apply(ctx, p, shr(192, head), price, fee)
                mstore(data, mload(add(p, W_NONCE)))
                mstore(add(data, 0x20), price)
                mstore(add(data, 0x40), fee)
                mstore(add(data, 0x60), calldataload(sub(at, 0x20)))
                mstore(add(data, 0x80), 0xa0)
                mstore(add(data, 0xa0), count)
                log4(
                    data,
                    add(0xc0, shl(5, count)),
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
    function closeBatch(
        UpstreamMarket.PermitInput[] calldata permits,
        address[] calldata payees,
        uint256[] memory work,
        uint256[] memory balances,
        uint256 payerCount,
        uint256[] memory totals,
        uint256[] memory ctx
    ) internal {
        uint256 n = permits.length;
        for (uint256 k = 0; k < n; ++k) {
            uint256 base = k * PERMIT_WORDS;
            uint256 spent = work[base + W_SPENT / 32];
            if (spent != work[base + W_SPENT_BEFORE / 32]) {
                UpstreamMarket.PermitInput calldata p = permits[k];
                // The PermitState slot written whole. spent <= cap < 2^96 and expiry < 2^64 (clamped in
                // _loadPermit); spent's bound is checked anyway.
                uint256 state = uint256(spent.toUint96()) | (work[base + W_CAP / 32] << 96) | (work[base + W_EXPIRY / 32] << 192);
                uint256 slot = _permitStateSlot(p.payer, p.nonce);
                assembly {
                    sstore(slot, state)
                }
                emit UpstreamMarket.PermitSpent(p.payer, p.nonce, spent, p.cap);
            }
        }
        // Payer slots follow the permits' order: a new slot starts wherever the payer changes.
        uint256 slot = 0;
        for (uint256 k = 0; k < n; ++k) {
            if (k > 0 && permits[k].payer == permits[k - 1].payer) continue;
            if (balances[slot] != balances[n + slot]) books().deposits[permits[k].payer] = balances[slot];
            ++slot;
        }
        assert(slot == payerCount);
        for (uint256 j = 0; j < totals.length; ++j) {
            uint256 total = totals[j];
            if (total != 0) {
                address payee = payees[j];
                if (payee == address(0)) revert UpstreamMarket.InvalidPayee(j);
                books().claimable[payee] += total;
            }
        }
        uint256 fees = ctx[C_FEES / 32];
        if (fees != 0) books().feesOwed += fees;
        emit UpstreamMarket.BatchSettled(msg.sender, ctx[C_SETTLED / 32], ctx[C_SKIPPED / 32], ctx[C_CHARGED / 32], fees);
    }
}
