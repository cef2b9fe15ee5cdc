// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {HookToken, ITokenReceiver} from "./HookToken.sol";

interface IMarketLike {
    function deposit(uint256 amount) external;
    function requestWithdrawal(uint256 amount) external;
    function withdraw() external returns (uint256);
    function claim() external returns (uint256);
}

interface IRegistryLike {
    function publishDatanet(string calldata metadataURI, string calldata license, uint256 stake) external returns (uint256);
    function requestUnstake(uint8 subject, uint256 id) external;
    function withdrawStake(uint8 subject, uint256 id) external;
}

/// @title ReentrantAccount (test only)
/// @notice A payer, payee and staker contract that, whenever the market or registry pays it, tries to
/// take the money again by re-entering claim, withdraw and withdrawStake. It records what happened.
contract ReentrantAccount is ITokenReceiver {
    HookToken public immutable token;
    IMarketLike public immutable market;
    IRegistryLike public immutable registry;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    /// @notice The revert data of the last failed re-entry into each target.
    mapping(address => bytes) public reentryError;

    constructor(HookToken token_, IMarketLike market_, IRegistryLike registry_) {
        token = token_;
        market = market_;
        registry = registry_;
        token_.registerHook();
    }

    function fundAndDeposit(uint256 amount) external {
        token.faucet(amount);
        IERC20(address(token)).approve(address(market), amount);
        market.deposit(amount);
    }

    function requestWithdrawal(uint256 amount) external {
        market.requestWithdrawal(amount);
    }

    function withdraw() external {
        market.withdraw();
    }

    function claim() external {
        market.claim();
    }

    function publishDatanet(uint256 stake) external {
        token.faucet(stake);
        IERC20(address(token)).approve(address(registry), stake);
        registry.publishDatanet("ipfs://evil", "none", stake);
    }

    function requestUnstake(uint256 id) external {
        registry.requestUnstake(0, id);
    }

    function withdrawStake(uint256 id) external {
        registry.withdrawStake(0, id);
    }

    /// @dev Called by the token while the market or registry is paying us: try to be paid again.
    function onTokenReceived(address, uint256) external {
        if (msg.sender != address(token)) return;
        reentryAttempts += 1;
        _try(abi.encodeCall(IMarketLike.claim, ()), address(market));
        _try(abi.encodeCall(IMarketLike.withdraw, ()), address(market));
        _try(abi.encodeCall(IRegistryLike.withdrawStake, (0, 1)), address(registry));
    }

    function _try(bytes memory data, address target) private {
        (bool ok, bytes memory result) = target.call(data);
        if (ok) reentrySuccesses += 1;
        else reentryError[target] = result;
    }
}
