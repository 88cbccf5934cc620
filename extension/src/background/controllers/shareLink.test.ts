import { parseShareLink, shareGrantMessage } from "@pekanu/protocol";
import { recoverMessageAddress, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { UserFacingError } from "../../lib/errors.ts";
import { makeRecord } from "../../test-support/fixtures.ts";
import { createShareLink } from "./shareLink.ts";

// The fixtures' client (hardhat account 1).
const owner = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const key = `0x${"42".repeat(32)}` as Hex;

describe("createShareLink", () => {
  it("the owner's wallet signs the grant for this file, contract and chain, until storage ends; the key only in the fragment", async () => {
    const base = await makeRecord(1);
    const record = { ...base, client: owner.address, encryption: { mode: "private" as const, key, plaintextSize: 10, segmentSize: 65536 } };
    const asked: string[] = [];
    const { link, expiresAt } = await createShareLink({
      record,
      account: owner.address,
      signMessage: (message, account) => {
        asked.push(message);
        expect(account).toBe(owner.address);
        return owner.signMessage({ message });
      },
    });
    expect(expiresAt).toBe(Number(record.quote.storageUntil));
    const share = parseShareLink(link);
    expect(share.fileRoot).toBe(record.fileRoot.toLowerCase());
    expect(share.key).toEqual(Uint8Array.from(Buffer.from(key.slice(2), "hex")));
    expect(share.fileName).toBe(record.fileName || null);
    expect(new URL(link).search).not.toContain("42".repeat(32));
    const message = shareGrantMessage({ fileRoot: record.fileRoot, chainId: record.chainId, contract: record.contract, expiresAt });
    expect(asked).toEqual([message]);
    expect(await recoverMessageAddress({ message, signature: share.grant.signature })).toBe(owner.address);
  });

  it.each([
    ["an unencrypted file", { encryption: null }, "NotEncrypted"],
    ["a record without its key", { encryption: { mode: "private" as const, key: null, plaintextSize: 1, segmentSize: 65536 } }, "NoKey"],
    ["a file not stored yet", { link: null }, "NoLink"],
    ["another wallet account", { account: "0x000000000000000000000000000000000000dEaD" as Address }, "ShareOtherAccount"],
  ] as const)("%s: refused (%s), nothing signed", async (_, change, code) => {
    const base = await makeRecord(2);
    const { account = owner.address, ...recordChange } = change as { account?: Address };
    const record = { ...base, client: owner.address, encryption: { mode: "private" as const, key, plaintextSize: 10, segmentSize: 65536 }, ...recordChange };
    let signed = 0;
    const error = await createShareLink({ record, account, signMessage: async () => (signed++, "0x") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as UserFacingError).human.code).toBe(code);
    expect(signed).toBe(0);
  });
});
