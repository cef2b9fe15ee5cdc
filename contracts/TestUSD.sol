// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestUSD
/// @notice A stablecoin-style test token (6 decimals, EIP-2612 permit) with an open faucet, for local
/// chains and test networks only. A deployment to a real chain names an existing token instead.
contract TestUSD is ERC20, ERC20Permit {
    /// @notice The most a single faucet call may mint: 10,000 tUSD.
    uint256 public constant FAUCET_LIMIT = 10_000 * 1e6;

    /// @notice A faucet call asked for more than FAUCET_LIMIT.
    error FaucetLimitExceeded(uint256 requested, uint256 limit);
    /// @notice A faucet call asked for nothing or named the zero address.
    error InvalidFaucetRequest();

    /// @notice Tokens were minted by the faucet.
    event FaucetDrip(address indexed caller, address indexed to, uint256 amount);

    constructor() ERC20("Test USD", "tUSD") ERC20Permit("Test USD") {}

    /// @notice 6 decimals, like USDC, so prices read like "0.002 USD per call".
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` (at most FAUCET_LIMIT) to the caller.
    /// @param amount Token units to mint (6 decimals).
    function faucet(uint256 amount) external {
        _drip(msg.sender, amount);
    }

    /// @notice Mints `amount` (at most FAUCET_LIMIT) to `to`, e.g. to fund a demo account from a script.
    /// @param to Receiver of the minted tokens.
    /// @param amount Token units to mint (6 decimals).
    function faucetTo(address to, uint256 amount) external {
        _drip(to, amount);
    }

    function _drip(address to, uint256 amount) private {
        if (amount == 0 || to == address(0)) revert InvalidFaucetRequest();
        if (amount > FAUCET_LIMIT) revert FaucetLimitExceeded(amount, FAUCET_LIMIT);
        emit FaucetDrip(msg.sender, to, amount);
        _mint(to, amount);
    }
}
