import { verifyReceipt, receiptFor } from "@pekanu/protocol";
import { describe, expect, it } from "vitest";
import { chainId, contract, domain, linkOf, makeQuote, otherSigner, providerSigner, signQuote, signReceipt } from "../../test-support/fixtures.ts";
import { checkSignature, createBatchVerifier, quoteToJson, type SignedSubject } from "./verify.ts";

const quote = makeQuote(1);
const link = linkOf(quote);

function receiptSubject(signature: `0x${string}`, l = link): SignedSubject {
  return { kind: "receipt", chainId, contract, quote: quoteToJson(quote), link: l, signature };
}

describe("σ verification against a known signer", () => {
  it("accepts σ signed by the contract's signer (and agrees with protocol's verifyReceipt)", async () => {
    const sigma = await signReceipt(quote, link);
    expect(() => verifyReceipt({ domain, receipt: receiptFor({ quote, link }), signature: sigma, signer: providerSigner.address })).not.toThrow();
    expect(checkSignature(receiptSubject(sigma), providerSigner.address)).toEqual({ ok: true, signer: providerSigner.address, retired: false });
  });

  it("refuses σ signed by another key and names the key that signed", async () => {
    const sigma = await signReceipt(quote, link, otherSigner);
    const result = checkSignature(receiptSubject(sigma), providerSigner.address);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.recovered).toBe(otherSigner.address);
  });

  it("refuses σ for a different link (L is covered by σ)", async () => {
    const sigma = await signReceipt(quote, link);
    const result = checkSignature(receiptSubject(sigma, `${link}-evil`), providerSigner.address);
    expect(result.ok).toBe(false);
  });

  it("accepts σ by a retired signer only when the caller says it is still valid for the order", async () => {
    const sigma = await signReceipt(quote, link, otherSigner);
    const result = checkSignature(receiptSubject(sigma), providerSigner.address, [otherSigner.address]);
    expect(result).toEqual({ ok: true, signer: otherSigner.address, retired: true });
  });

  it("refuses malformed and high-s signatures", async () => {
    const sigma = await signReceipt(quote, link);
    expect(checkSignature(receiptSubject("0x1234"), providerSigner.address).ok).toBe(false);
    // s' = n - s with the flipped recovery bit is the same point but high-s: EIP-2 forbids it.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${sigma.slice(66, 130)}`);
    const v = parseInt(sigma.slice(130), 16);
    const highS = `${sigma.slice(0, 66)}${(n - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as `0x${string}`;
    expect(checkSignature(receiptSubject(highS), providerSigner.address).ok).toBe(false);
  });

  it("verifies quote signatures", async () => {
    const sig = await signQuote(quote);
    const subject: SignedSubject = { kind: "quote", chainId, contract, quote: quoteToJson(quote), signature: sig };
    expect(checkSignature(subject, providerSigner.address).ok).toBe(true);
    expect(checkSignature({ ...subject, quote: quoteToJson({ ...quote, price: quote.price + 1n }) }, providerSigner.address).ok).toBe(false);
  });

  it("the batch verifier's fast path accepts exactly what protocol's check accepts", async () => {
    const verifier = createBatchVerifier(providerSigner.address);
    const cases: { subject: SignedSubject; expected: boolean }[] = [];
    for (let i = 0; i < 6; i++) {
      const q = makeQuote(100 + i);
      const l = linkOf(q);
      const good = await signReceipt(q, l);
      const bad = await signReceipt(q, l, otherSigner);
      const s = (sig: `0x${string}`, ll = l): SignedSubject => ({ kind: "receipt", chainId, contract, quote: quoteToJson(q), link: ll, signature: sig });
      const flippedV = `${good.slice(0, 130)}${good.endsWith("1b") ? "1c" : "1b"}` as `0x${string}`;
      cases.push({ subject: s(good), expected: true });
      cases.push({ subject: s(bad), expected: false });
      cases.push({ subject: s(good, `${l}x`), expected: false });
      cases.push({ subject: s(flippedV), expected: false });
    }
    for (const { subject, expected } of cases) {
      expect(verifier.check(subject).ok).toBe(expected);
      expect(checkSignature(subject, providerSigner.address).ok).toBe(expected);
    }
  });
});
