// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ServerContract} from "../ServerContract.sol";

/// @dev Test-only client that tries to re-enter `withdraw` (and other functions) when paid.
contract ReentrantReceiver {
    ServerContract public target;
    uint256 public reentryAttempts;
    bool public reentrySucceeded;
    bytes public lastRevert;

    constructor(ServerContract target_) {
        target = target_;
    }

    function pay(ServerContract.Quote calldata quote, bytes calldata signature) external payable {
        target.pay{value: msg.value}(quote, signature);
    }

    function disputeDelivery(ServerContract.Quote calldata quote) external {
        target.disputeDelivery(quote);
    }

    function claimPenalty(ServerContract.Quote calldata quote) external {
        target.claimPenalty(quote);
    }

    function withdraw() external {
        target.withdraw();
    }

    receive() external payable {
        reentryAttempts += 1;
        try target.withdraw() {
            reentrySucceeded = true;
        } catch (bytes memory reason) {
            lastRevert = reason;
        }
    }
}

/// @dev Test-only account that refuses ETH, to exercise the failed-transfer path.
contract RejectingReceiver {
    ServerContract public target;

    constructor(ServerContract target_) {
        target = target_;
    }

    function pay(ServerContract.Quote calldata quote, bytes calldata signature) external payable {
        target.pay{value: msg.value}(quote, signature);
    }

    function disputeDelivery(ServerContract.Quote calldata quote) external {
        target.disputeDelivery(quote);
    }

    function claimPenalty(ServerContract.Quote calldata quote) external {
        target.claimPenalty(quote);
    }

    function withdraw() external {
        target.withdraw();
    }

    receive() external payable {
        revert("no thanks");
    }
}
