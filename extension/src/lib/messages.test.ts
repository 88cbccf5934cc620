import { describe, expect, it } from "vitest";
import { requestSchema } from "./messages.ts";
import { isOwnExtensionPage } from "./sender.ts";

const self = { id: "abcdefghijklmnopabcdefghijklmnop", baseUrl: "chrome-extension://abcdefghijklmnopabcdefghijklmnop/" };

describe("UI → background messages", () => {
  it("accepts well-formed requests of every kind it knows", () => {
    expect(requestSchema.safeParse({ type: "view.get" }).success).toBe(true);
    expect(requestSchema.safeParse({ type: "provider.connect", url: "https://storage.example" }).success).toBe(true);
    const file = { name: "a", size: 1, lastModified: 0, mimeType: "", fileRoot: `0x${"AB".repeat(32)}`, chunks: 1 };
    const parsed = requestSchema.parse({ type: "order.fileCommitted", file, storageDays: 30 });
    expect(parsed.type === "order.fileCommitted" && parsed.file.fileRoot).toBe(`0x${"ab".repeat(32)}`);
    expect(requestSchema.safeParse({ type: "vault.list", query: "x", offset: 0, limit: 50 }).success).toBe(true);
  });

  it("refuses unknown types, bad fields and oversized values", () => {
    expect(requestSchema.safeParse({ type: "wallet.exportPrivateKey" }).success).toBe(false);
    expect(requestSchema.safeParse({ type: "settings.set", walletExtensionId: "not-an-id" }).success).toBe(false);
    expect(requestSchema.safeParse({ type: "vault.list", limit: 10_000 }).success).toBe(false);
    expect(requestSchema.safeParse({ type: "order.fileCommitted", file: { name: "a" }, storageDays: 1 }).success).toBe(false);
    expect(requestSchema.safeParse({ type: "order.submitOwnershipProof", proofs: [] }).success).toBe(false);
    expect(requestSchema.safeParse("view.get").success).toBe(false);
  });
});

describe("sender check", () => {
  it("accepts only this extension's own pages", () => {
    expect(isOwnExtensionPage({ id: self.id, url: `${self.baseUrl}tabs/app.html`, origin: self.baseUrl.slice(0, -1) }, self)).toBe(true);
    expect(isOwnExtensionPage({ id: self.id, url: `${self.baseUrl}popup.html` }, self)).toBe(true);
  });

  it("refuses other extensions, web pages and content scripts", () => {
    expect(isOwnExtensionPage({ id: "ponmlkjihgfedcbaponmlkjihgfedcba", url: "chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba/x.html" }, self)).toBe(false);
    // A content script of ours runs with our id but a web page's URL and origin.
    expect(isOwnExtensionPage({ id: self.id, url: "https://evil.example/", origin: "https://evil.example", tab: {} }, self)).toBe(false);
    expect(isOwnExtensionPage({ id: self.id, url: `${self.baseUrl}x.html`, origin: "https://evil.example" }, self)).toBe(false);
    expect(isOwnExtensionPage({}, self)).toBe(false);
  });
});
