import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, parseEther, zeroAddress } from "viem";
import { INITIAL_STAKE, deployFixture, testParams } from "./fixture.ts";

describe("ServerContract: construction", () => {
  it("takes msg.value as the initial stake and emits SignerRotated and StakeDeposited", async () => {
    const { contract, owner, signer, publicClient } = await deployFixture();
    assert.equal(getAddress(await contract.read.owner()), getAddress(owner.account.address));
    assert.equal(getAddress(await contract.read.signer()), getAddress(signer.account.address));
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, 0n]);
    assert.equal(await publicClient.getBalance({ address: contract.address }), INITIAL_STAKE);
    const rotated = await contract.getEvents.SignerRotated({}, { fromBlock: 0n });
    assert.equal(rotated.length, 1);
    assert.equal(rotated[0]!.args.previousSigner, zeroAddress);
    assert.equal(rotated[0]!.args.newSigner, getAddress(signer.account.address));
    const deposited = await contract.getEvents.StakeDeposited({}, { fromBlock: 0n });
    assert.equal(deposited.length, 1);
    assert.equal(deposited[0]!.args.from, getAddress(owner.account.address));
    assert.equal(deposited[0]!.args.amount, INITIAL_STAKE);
    assert.deepEqual(await contract.read.params(), testParams);
    // nothing is withdrawable yet: the stake is not the owner's balance
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
  });

  it("reverts with ServerContractInvalidSigner for a zero signer", async () => {
    const { viem, contract } = await deployFixture();
    await viem.assertions.revertWithCustomErrorWithArgs(
      // an explicit gas limit sends the deployment instead of failing its gas estimate
      viem.deployContract("ServerContract", [zeroAddress, testParams], { value: 1n, gas: 3_000_000n }),
      contract,
      "ServerContractInvalidSigner",
      [zeroAddress],
    );
  });

  it("reverts with ServerContractInvalidParams for a zero settleDelay or responseWindow", async () => {
    const { viem, contract, signer } = await deployFixture();
    for (const params of [
      { ...testParams, settleDelay: 0n },
      { ...testParams, responseWindow: 0n },
      { ...testParams, settleDelay: 0n, responseWindow: 0n },
    ]) {
      await viem.assertions.revertWithCustomError(
        viem.deployContract("ServerContract", [signer.account.address, params], { gas: 3_000_000n }),
        contract,
        "ServerContractInvalidParams",
      );
    }
  });

  it("accepts a zero cooldown and a zero bond", async () => {
    const { viem, signer } = await deployFixture();
    const params = { ...testParams, challengeCooldown: 0n, challengeBond: 0n };
    const other = await viem.deployContract("ServerContract", [signer.account.address, params]);
    assert.deepEqual(await other.read.params(), params);
  });

  it("deploys with zero stake: no StakeDeposited, fines cannot be locked until stake is deposited", async () => {
    const { viem, contract, owner, alice, makeQuote, signQuote, publicClient } = await deployFixture({ stake: 0n });
    assert.deepEqual(await contract.read.stake(), [0n, 0n]);
    assert.equal(await publicClient.getBalance({ address: contract.address }), 0n);
    assert.equal((await contract.getEvents.StakeDeposited({}, { fromBlock: 0n })).length, 0);

    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const quote = await makeQuote({ client: alice.account.address });
    const sig = await signQuote(quote);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([quote, sig], { account: alice.account, value: quote.price }),
      contract,
      "ServerContractInsufficientFreeStake",
      [quote.fine, 0n],
    );
    // a quote without a fine needs no stake
    const noFine = await makeQuote({ client: alice.account.address, fine: 0n });
    await contract.write.pay([noFine, await signQuote(noFine)], { account: alice.account, value: noFine.price });
    // once stake is deposited the original quote can be paid
    await contract.write.depositStake({ account: owner.account, value: quote.fine });
    await contract.write.pay([quote, sig], { account: alice.account, value: quote.price });
    assert.deepEqual(await contract.read.stake(), [quote.fine, quote.fine]);
  });
});

describe("ServerContract: packed amounts", () => {
  it("stake that does not fit 128 bits reverts with ServerContractAmountOverflow", async () => {
    const { viem, contract, owner, signer, networkHelpers } = await deployFixture();
    const tooMuch = 2n ** 128n;
    await networkHelpers.setBalance(owner.account.address, 2n ** 130n);
    await viem.assertions.revertWithCustomErrorWithArgs(
      viem.deployContract("ServerContract", [signer.account.address, testParams], { value: tooMuch, gas: 3_000_000n }),
      contract,
      "ServerContractAmountOverflow",
      [tooMuch],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.depositStake({ account: owner.account, value: tooMuch }),
      contract,
      "ServerContractAmountOverflow",
      [tooMuch],
    );
    // the largest total that fits is accepted; one more wei overflows the packed total (Panic 0x11)
    const max = 2n ** 128n - 1n - INITIAL_STAKE;
    await contract.write.depositStake({ account: owner.account, value: max });
    assert.deepEqual(await contract.read.stake(), [2n ** 128n - 1n, 0n]);
    await assert.rejects(contract.write.depositStake({ account: owner.account, value: 1n }), /0x11|overflow/i);
  });

  it("withdrawing stake beyond the 96-bit earnings reverts with ServerContractAmountOverflow, nothing changes", async () => {
    const { viem, contract, owner, networkHelpers } = await deployFixture();
    const tooMuch = 2n ** 96n;
    await networkHelpers.setBalance(owner.account.address, 2n ** 100n);
    await contract.write.depositStake({ account: owner.account, value: tooMuch });
    const total = INITIAL_STAKE + tooMuch;
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.withdrawStake([tooMuch], { account: owner.account }),
      contract,
      "ServerContractAmountOverflow",
      [tooMuch],
    );
    assert.deepEqual(await contract.read.stake(), [total, 0n]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    // the largest amount that fits the earnings is fine
    await contract.write.withdrawStake([tooMuch - 1n], { account: owner.account });
    assert.deepEqual(await contract.read.stake(), [total - (tooMuch - 1n), 0n]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), tooMuch - 1n);
  });
});

describe("ServerContract: stake", () => {
  it("depositStake adds to the stake and emits StakeDeposited", async () => {
    const { viem, contract, owner } = await deployFixture();
    const amount = parseEther("2");
    await viem.assertions.balancesHaveChanged(contract.write.depositStake({ account: owner.account, value: amount }), [
      { address: contract.address, amount },
      { address: owner.account.address, amount: -amount },
    ]);
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE + amount, 0n]);
    await viem.assertions.emitWithArgs(
      contract.write.depositStake({ account: owner.account, value: 7n }),
      contract,
      "StakeDeposited",
      [getAddress(owner.account.address), 7n],
    );
  });

  it("depositStake rejects zero and non-owners", async () => {
    const { viem, contract, owner, stranger } = await deployFixture();
    await viem.assertions.revertWithCustomError(
      contract.write.depositStake({ account: owner.account, value: 0n }),
      contract,
      "ServerContractZeroAmount",
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.depositStake({ account: stranger.account, value: 1n }),
      contract,
      "OwnableUnauthorizedAccount",
      [getAddress(stranger.account.address)],
    );
  });

  it("withdrawStake moves unlocked stake to the owner's withdrawable balance", async () => {
    const { viem, contract, owner } = await deployFixture();
    const amount = parseEther("3");
    await viem.assertions.emitWithArgs(
      contract.write.withdrawStake([amount], { account: owner.account }),
      contract,
      "StakeWithdrawn",
      [amount],
    );
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE - amount, 0n]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), amount);
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: owner.account }), [
      { address: owner.account.address, amount },
      { address: contract.address, amount: -amount },
    ]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    // the whole free stake can be withdrawn
    await contract.write.withdrawStake([INITIAL_STAKE - amount], { account: owner.account });
    assert.deepEqual(await contract.read.stake(), [0n, 0n]);
  });

  it("withdrawStake cannot touch stake locked as fines (ServerContractInsufficientFreeStake)", async () => {
    const { viem, contract, owner, alice, bob, paidOrder } = await deployFixture();
    const q1 = await paidOrder(alice, { fine: parseEther("4") });
    const q2 = await paidOrder(bob, { fine: parseEther("3") });
    const locked = q1.fine + q2.fine;
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE, locked]);
    const free = INITIAL_STAKE - locked;
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.withdrawStake([free + 1n], { account: owner.account }),
      contract,
      "ServerContractInsufficientFreeStake",
      [free + 1n, free],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.withdrawStake([INITIAL_STAKE], { account: owner.account }),
      contract,
      "ServerContractInsufficientFreeStake",
      [INITIAL_STAKE, free],
    );
    await contract.write.withdrawStake([free], { account: owner.account });
    assert.deepEqual(await contract.read.stake(), [locked, locked]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.withdrawStake([1n], { account: owner.account }),
      contract,
      "ServerContractInsufficientFreeStake",
      [1n, 0n],
    );
    // refunding an order unlocks its fine, which then becomes withdrawable stake
    await contract.write.disputeDelivery([q1], { account: q1.client }); // v2: refund answers a dispute
    await contract.write.refund([q1], { account: owner.account });
    await contract.write.withdrawStake([q1.fine], { account: owner.account });
    assert.deepEqual(await contract.read.stake(), [q2.fine, q2.fine]);
    assert.equal(await contract.read.withdrawable([owner.account.address]), free + q1.fine);
  });

  it("withdrawStake rejects zero and non-owners", async () => {
    const { viem, contract, owner, stranger, signer } = await deployFixture();
    await viem.assertions.revertWithCustomError(
      contract.write.withdrawStake([0n], { account: owner.account }),
      contract,
      "ServerContractZeroAmount",
    );
    for (const who of [stranger, signer]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.withdrawStake([1n], { account: who.account }),
        contract,
        "OwnableUnauthorizedAccount",
        [getAddress(who.account.address)],
      );
    }
  });
});

describe("ServerContract: signer rotation", () => {
  it("rotateSigner replaces the signer, emits SignerRotated and records the retirement time", async () => {
    const { viem, contract, owner, signer, newSigner, now } = await deployFixture();
    await viem.assertions.emitWithArgs(
      contract.write.rotateSigner([newSigner.account.address], { account: owner.account }),
      contract,
      "SignerRotated",
      [getAddress(signer.account.address), getAddress(newSigner.account.address)],
    );
    assert.equal(getAddress(await contract.read.signer()), getAddress(newSigner.account.address));
    assert.equal(await contract.read.signerRetiredAt([signer.account.address]), await now());
    assert.equal(await contract.read.signerRetiredAt([newSigner.account.address]), 0n);
  });

  it("rotating back to a retired signer clears its retirement", async () => {
    const { contract, owner, signer, newSigner, networkHelpers, now } = await deployFixture();
    await contract.write.rotateSigner([newSigner.account.address], { account: owner.account });
    const firstRetired = await now();
    await networkHelpers.time.increase(10);
    await contract.write.rotateSigner([signer.account.address], { account: owner.account });
    assert.equal(await contract.read.signerRetiredAt([signer.account.address]), 0n);
    assert.equal(await contract.read.signerRetiredAt([newSigner.account.address]), await now());
    assert.ok((await now()) > firstRetired);
  });

  it("rotateSigner rejects the zero address, the current signer and non-owners", async () => {
    const { viem, contract, owner, signer, newSigner, stranger } = await deployFixture();
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.rotateSigner([zeroAddress], { account: owner.account }),
      contract,
      "ServerContractInvalidSigner",
      [zeroAddress],
    );
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.rotateSigner([signer.account.address], { account: owner.account }),
      contract,
      "ServerContractInvalidSigner",
      [getAddress(signer.account.address)],
    );
    for (const who of [stranger, signer]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.rotateSigner([newSigner.account.address], { account: who.account }),
        contract,
        "OwnableUnauthorizedAccount",
        [getAddress(who.account.address)],
      );
    }
  });

  it("after rotation only the new signer's quotes are accepted", async () => {
    const { viem, contract, owner, signer, newSigner, alice, makeQuote, signQuote } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const old = await makeQuote({ client: alice.account.address });
    const oldSig = await signQuote(old, signer);
    await contract.write.rotateSigner([newSigner.account.address], { account: owner.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([old, oldSig], { account: alice.account, value: old.price }),
      contract,
      "ServerContractInvalidQuoteSignature",
      [getAddress(signer.account.address)],
    );
    const fresh = await makeQuote({ client: alice.account.address });
    await contract.write.pay([fresh, await signQuote(fresh, newSigner)], { account: alice.account, value: fresh.price });
    const [state] = await contract.read.orderOf([fresh.orderId]);
    assert.equal(state, 1);
  });
});

describe("ServerContract: ownership (Ownable2Step)", () => {
  it("cannot be renounced, by the owner or anyone (ServerContractRenounceDisabled), the owner stays", async () => {
    const { viem, contract, owner, stranger } = await deployFixture();
    for (const account of [owner, stranger]) {
      await viem.assertions.revertWithCustomError(
        // `pure` (it always reverts), so viem types it as a read: an eth_call from each account.
        contract.read.renounceOwnership({ account: account.account.address }),
        contract,
        "ServerContractRenounceDisabled",
      );
    }
    assert.equal((await contract.read.owner()).toLowerCase(), owner.account.address.toLowerCase());
  });

  it("transfers in two steps; only the pending owner can accept", async () => {
    const { viem, contract, owner, stranger, bob } = await deployFixture();
    await viem.assertions.emitWithArgs(
      contract.write.transferOwnership([bob.account.address], { account: owner.account }),
      contract,
      "OwnershipTransferStarted",
      [getAddress(owner.account.address), getAddress(bob.account.address)],
    );
    assert.equal(getAddress(await contract.read.owner()), getAddress(owner.account.address));
    assert.equal(getAddress(await contract.read.pendingOwner()), getAddress(bob.account.address));
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.acceptOwnership({ account: stranger.account }),
      contract,
      "OwnableUnauthorizedAccount",
      [getAddress(stranger.account.address)],
    );
    await viem.assertions.emitWithArgs(
      contract.write.acceptOwnership({ account: bob.account }),
      contract,
      "OwnershipTransferred",
      [getAddress(owner.account.address), getAddress(bob.account.address)],
    );
    assert.equal(getAddress(await contract.read.owner()), getAddress(bob.account.address));
    assert.equal(await contract.read.pendingOwner(), zeroAddress);
    // the old owner has lost every owner-only power, the new owner has them
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.registerClient([stranger.account.address], { account: owner.account }),
      contract,
      "OwnableUnauthorizedAccount",
      [getAddress(owner.account.address)],
    );
    await contract.write.registerClient([stranger.account.address], { account: bob.account });
    await contract.write.depositStake({ account: bob.account, value: 1n });
    assert.deepEqual(await contract.read.stake(), [INITIAL_STAKE + 1n, 0n]);
  });

  it("transferOwnership is owner only", async () => {
    const { viem, contract, stranger } = await deployFixture();
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.transferOwnership([stranger.account.address], { account: stranger.account }),
      contract,
      "OwnableUnauthorizedAccount",
      [getAddress(stranger.account.address)],
    );
  });

  it("the provider's earnings follow the owner", async () => {
    const { viem, contract, owner, alice, stranger, paidOrder, networkHelpers, params } = await deployFixture();
    const quote = await paidOrder(alice);
    await networkHelpers.time.increase(params.settleDelay);
    await contract.write.settle([quote], { account: stranger.account });
    await contract.write.withdrawStake([parseEther("1")], { account: owner.account });
    const earned = quote.price + parseEther("1");
    assert.equal(await contract.read.withdrawable([owner.account.address]), earned);

    const newOwner = stranger;
    await contract.write.transferOwnership([newOwner.account.address], { account: owner.account });
    // pending transfer: still the old owner's
    assert.equal(await contract.read.withdrawable([owner.account.address]), earned);
    assert.equal(await contract.read.withdrawable([newOwner.account.address]), 0n);
    await contract.write.acceptOwnership({ account: newOwner.account });
    assert.equal(await contract.read.withdrawable([owner.account.address]), 0n);
    assert.equal(await contract.read.withdrawable([newOwner.account.address]), earned);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.withdraw({ account: owner.account }),
      contract,
      "ServerContractNothingToWithdraw",
      [getAddress(owner.account.address)],
    );
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: newOwner.account }), [
      { address: newOwner.account.address, amount: earned },
      { address: contract.address, amount: -earned },
    ]);
    assert.equal(await contract.read.withdrawable([newOwner.account.address]), 0n);
  });
});
