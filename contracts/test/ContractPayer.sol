// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

interface IMarketDeposit {
    function deposit(uint256 amount) external;
    function claim() external returns (uint256);
}

/// @title ContractPayer (test only)
/// @notice A smart-wallet payer: its spend permits are ERC-1271 signatures by its owner key. Its
/// `mode` makes it hostile instead: 1 tries to claim from the market inside the check (a state
/// change under the market's static call) and approves only if that worked; 2 burns all gas it is
/// given; 3 approves but returns 100 kB of data.
contract ContractPayer {
    address public immutable owner;
    uint8 public immutable mode;
    IMarketDeposit public immutable market;

    constructor(address owner_, IMarketDeposit market_, uint8 mode_) {
        owner = owner_;
        market = market_;
        mode = mode_;
    }

    function deposit(IERC20 token, uint256 amount) external {
        token.approve(address(market), amount);
        market.deposit(amount);
    }

    /// @notice ERC-1271. Not declared view so the hostile variant can attempt a state change.
    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        if (mode == 1) {
            try market.claim() {
                return 0x1626ba7e;
            } catch {
                return 0xffffffff;
            }
        }
        if (mode == 2) {
            uint256 i;
            while (true) i++;
        }
        if (mode == 3) {
            assembly {
                mstore(0, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
                return(0, 100000)
            }
        }
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
