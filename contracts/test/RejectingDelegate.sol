// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RejectingDelegate (test only)
/// @notice Code an EOA delegates to with EIP-7702 after signing a spend permit: its ERC-1271 check
/// rejects every signature, as a wallet implementation with no owner set (or rotated owners) would.
contract RejectingDelegate {
    /// @notice ERC-1271: never valid.
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}
