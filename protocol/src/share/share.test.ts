import { recoverMessageAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { formatShareLink, parseShareLink, ShareLinkError, shareGrantMessage } from "./index.ts";

const owner = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const fileRoot = `0x${"ab".repeat(32)}` as const;
const contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const link = `https://storage.example.com/v1/files/${fileRoot}`;
const key = Uint8Array.from({ length: 32 }, (_, i) => i);

describe("share links", () => {
  it("round trip: the key and name stay in the fragment, the grant recovers the owner", async () => {
    const expiresAt = 1_900_000_000;
    const signature = await owner.signMessage({ message: shareGrantMessage({ fileRoot, chainId: 31337, contract, expiresAt }) });
    const url = formatShareLink({ link, key, grant: { expiresAt, signature }, fileName: "report q3.pdf" });
    const parsed = new URL(url);
    expect(parsed.hash).toContain(`k=${"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}`);
    expect(parsed.search).not.toContain("0001020304");
    const share = parseShareLink(url);
    expect(share).toMatchObject({ link, fileRoot, fileName: "report q3.pdf", grant: { expiresAt, signature } });
    expect(share.key).toEqual(key);
    expect(share.downloadUrl).toBe(`${link}?share=${expiresAt}.${signature}`);
    const recovered = await recoverMessageAddress({ message: shareGrantMessage({ fileRoot: share.fileRoot, chainId: 31337, contract, expiresAt }), signature });
    expect(recovered).toBe(owner.address);
  });

  it.each([
    ["not a URL", "hello", "NotALink"],
    ["not a file link", "https://x.example/v1/orders/0x12#k=00", "NotALink"],
    ["no key", `${link}?share=1.0x${"1".repeat(130)}`, "NoKey"],
    ["a short key", `${link}?share=1.0x${"1".repeat(130)}#k=abcd`, "BadKey"],
    ["no grant", `${link}#k=${"a".repeat(64)}`, "BadGrant"],
    ["a damaged grant", `${link}?share=1.0x12#k=${"a".repeat(64)}`, "BadGrant"],
  ])("%s: ShareLinkError %s", (_, text, code) => {
    const error = (() => {
      try {
        parseShareLink(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ShareLinkError);
    expect((error as ShareLinkError).code).toBe(code);
  });
});
