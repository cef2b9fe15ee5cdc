// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

interface IMarketDeposit {
    function deposit(uint256 amount) external;
    function claim() external returns (uint256);
}

/// @title ContractPayer (test only)
/// @notice A smart-wallet payer: its spend permits are ERC-1271 signatures by its owner key. With
/// `hostile` set, its signature check instead tries to claim from the market (a state change inside
/// the market's static call) and approves only if that worked.
contract ContractPayer {
    address public immutable owner;
    bool public immutable hostile;
    IMarketDeposit public immutable market;

    constructor(address owner_, IMarketDeposit market_, bool hostile_) {
        owner = owner_;
        market = market_;
        hostile = hostile_;
    }

    function deposit(IERC20 token, uint256 amount) external {
        token.approve(address(market), amount);
        market.deposit(amount);
    }

    /// @notice ERC-1271. Not declared view so the hostile variant can attempt a state change.
    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        if (hostile) {
            try market.claim() {
                return 0x1626ba7e;
            } catch {
                return 0xffffffff;
            }
        }
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
