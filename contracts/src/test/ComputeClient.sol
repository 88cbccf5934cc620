// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ComputeContract} from "../ComputeContract.sol";

/// @dev Test-only client of ComputeContract: on being paid it re-enters `withdraw` (mode 1) or
/// refuses the ETH (mode 2).
contract ComputeClient {
    ComputeContract public target;
    uint8 public mode;
    bool public reentrySucceeded;

    constructor(ComputeContract target_) {
        target = target_;
    }

    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    function pay(ComputeContract.JobQuote calldata quote, bytes calldata signature) external payable {
        target.pay{value: msg.value}(quote, signature);
    }

    function disputeDelivery(ComputeContract.JobQuote calldata quote) external {
        target.disputeDelivery(quote);
    }

    function claimPenalty(ComputeContract.JobQuote calldata quote) external {
        target.claimPenalty(quote);
    }

    function withdraw() external {
        target.withdraw();
    }

    receive() external payable {
        if (mode == 2) revert("no thanks");
        if (mode == 1) {
            try target.withdraw() {
                reentrySucceeded = true;
            } catch {}
        }
    }
}
