// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Receiver hook of HookToken, ERC-777 style.
interface ITokenReceiver {
    function onTokenReceived(address from, uint256 amount) external;
}

/// @title HookToken (test only)
/// @notice A hostile payment token: it calls back a receiver that registered a hook on every
/// transfer, so tests can try to re-enter the market and the registry while they pay out.
contract HookToken is ERC20 {
    mapping(address => bool) public hooked;

    constructor() ERC20("Hook USD", "hUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Same signature as TestUSD.faucet, without a limit.
    function faucet(uint256 amount) external {
        _mint(msg.sender, amount);
    }

    /// @notice The caller asks to be called back on every transfer it receives.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) ITokenReceiver(to).onTokenReceived(from, value);
    }
}
