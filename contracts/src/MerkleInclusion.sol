// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title MerkleInclusion
 * @notice RFC 6962 / RFC 9162 Merkle inclusion proofs over SHA-256, using the SHA-256 precompile:
 * leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right).
 */
library MerkleInclusion {
    /// @notice SHA-256(0x00 ‖ data).
    function leafHash(bytes calldata data) internal view returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0x00)
            calldatacopy(add(ptr, 1), data.offset, data.length)
            if iszero(staticcall(gas(), 0x02, ptr, add(data.length, 1), 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }

    /**
     * @notice The root implied by `leaf` at `index` in a tree of `treeSize` leaves and its audit path
     * (RFC 9162 §2.1.3.2). `ok` is false when the path has the wrong length for that position.
     */
    function rootFromProof(bytes32 leaf, uint256 index, uint256 treeSize, bytes32[] calldata proof)
        internal
        view
        returns (bool ok, bytes32 root)
    {
        if (index >= treeSize) return (false, bytes32(0));
        uint256 fn = index;
        uint256 sn = treeSize - 1;
        root = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return (false, bytes32(0));
            bytes32 p = proof[i];
            if (fn & 1 == 1 || fn == sn) {
                root = _node(p, root);
                if (fn & 1 == 0) {
                    while (fn & 1 == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                root = _node(root, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        ok = sn == 0;
    }

    function _node(bytes32 left, bytes32 right) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0x01)
            mstore(add(ptr, 1), left)
            mstore(add(ptr, 33), right)
            if iszero(staticcall(gas(), 0x02, ptr, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }
}
