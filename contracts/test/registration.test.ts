import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, zeroAddress } from "viem";
import { deployFixture } from "./fixture.ts";

describe("ServerContract: client registration", () => {
  it("registerClient registers, emits ClientRegistered and isRegistered reflects it", async () => {
    const { viem, contract, owner, alice, bob } = await deployFixture();
    assert.equal(await contract.read.isRegistered([alice.account.address]), false);
    await viem.assertions.emitWithArgs(
      contract.write.registerClient([alice.account.address], { account: owner.account }),
      contract,
      "ClientRegistered",
      [alice.account.address],
    );
    assert.equal(await contract.read.isRegistered([alice.account.address]), true);
    assert.equal(await contract.read.isRegistered([bob.account.address]), false);
  });

  it("registerClient rejects the zero address and a client already registered", async () => {
    const { viem, contract, owner, alice } = await deployFixture();
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.registerClient([zeroAddress], { account: owner.account }),
      contract,
      "ServerContractInvalidClient",
      [zeroAddress],
    );
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.registerClient([alice.account.address], { account: owner.account }),
      contract,
      "ServerContractAlreadyRegistered",
      [alice.account.address],
    );
  });

  it("registerClients registers a batch and emits one event per new client", async () => {
    const { contract, owner, alice, bob, stranger, publicClient } = await deployFixture();
    const clients = [alice.account.address, bob.account.address, stranger.account.address];
    const hash = await contract.write.registerClients([clients], { account: owner.account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const events = await contract.getEvents.ClientRegistered({}, { blockHash: receipt.blockHash });
    assert.deepEqual(
      events.map((e) => e.args.client),
      clients.map((c) => getAddress(c)),
    );
    for (const c of clients) assert.equal(await contract.read.isRegistered([c]), true);
    // an empty batch is a no-op
    const empty = await contract.write.registerClients([[]], { account: owner.account });
    assert.equal((await publicClient.waitForTransactionReceipt({ hash: empty })).logs.length, 0);
  });

  it("registerClients skips already registered clients (a retried batch is harmless)", async () => {
    const { contract, owner, alice, bob, publicClient } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    const batch = [alice.account.address, bob.account.address, bob.account.address];
    const hash = await contract.write.registerClients([batch], { account: owner.account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    const events = await contract.getEvents.ClientRegistered({}, { blockHash: receipt.blockHash });
    assert.deepEqual(
      events.map((e) => e.args.client),
      [getAddress(bob.account.address)],
    );
    assert.equal(await contract.read.isRegistered([alice.account.address]), true);
    assert.equal(await contract.read.isRegistered([bob.account.address]), true);
  });

  it("registerClients with the zero address anywhere reverts the whole batch", async () => {
    const { viem, contract, owner, alice, bob } = await deployFixture();
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.registerClients([[alice.account.address, zeroAddress, bob.account.address]], {
        account: owner.account,
      }),
      contract,
      "ServerContractInvalidClient",
      [zeroAddress],
    );
    assert.equal(await contract.read.isRegistered([alice.account.address]), false);
    assert.equal(await contract.read.isRegistered([bob.account.address]), false);
  });

  it("deregisterClient removes the authorisation, emits ClientDeregistered, and allows re-registration", async () => {
    const { viem, contract, owner, alice } = await deployFixture();
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    await viem.assertions.emitWithArgs(
      contract.write.deregisterClient([alice.account.address], { account: owner.account }),
      contract,
      "ClientDeregistered",
      [alice.account.address],
    );
    assert.equal(await contract.read.isRegistered([alice.account.address]), false);
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.deregisterClient([alice.account.address], { account: owner.account }),
      contract,
      "ServerContractNotRegistered",
      [alice.account.address],
    );
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    assert.equal(await contract.read.isRegistered([alice.account.address]), true);
  });

  it("a deregistered client can no longer pay, but its paid orders and credits are unaffected", async () => {
    const { viem, contract, owner, alice, paidOrder, makeQuote, signQuote } = await deployFixture();
    const quote = await paidOrder(alice);
    await contract.write.deregisterClient([alice.account.address], { account: owner.account });
    const next = await makeQuote({ client: alice.account.address });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.pay([next, await signQuote(next)], { account: alice.account, value: next.price }),
      contract,
      "ServerContractNotRegistered",
      [alice.account.address],
    );
    // the old order can still be refunded to the (deregistered) client, who can still withdraw
    await contract.write.disputeDelivery([quote], { account: alice.account }); // v2: refund answers a dispute
    await contract.write.refund([quote], { account: owner.account });
    assert.equal(await contract.read.withdrawable([alice.account.address]), quote.price);
    await viem.assertions.balancesHaveChanged(contract.write.withdraw({ account: alice.account }), [
      { address: alice.account.address, amount: quote.price },
    ]);
  });

  it("registration functions are owner only (OwnableUnauthorizedAccount)", async () => {
    const { viem, contract, owner, alice, stranger, signer } = await deployFixture();
    for (const who of [stranger, signer]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.registerClient([alice.account.address], { account: who.account }),
        contract,
        "OwnableUnauthorizedAccount",
        [who.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        contract.write.registerClients([[alice.account.address]], { account: who.account }),
        contract,
        "OwnableUnauthorizedAccount",
        [who.account.address],
      );
    }
    await contract.write.registerClient([alice.account.address], { account: owner.account });
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.deregisterClient([alice.account.address], { account: stranger.account }),
      contract,
      "OwnableUnauthorizedAccount",
      [stranger.account.address],
    );
    // a client cannot register itself either
    await viem.assertions.revertWithCustomErrorWithArgs(
      contract.write.registerClient([stranger.account.address], { account: stranger.account }),
      contract,
      "OwnableUnauthorizedAccount",
      [stranger.account.address],
    );
    assert.equal(await contract.read.isRegistered([stranger.account.address]), false);
  });
});
