import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/createLogger.ts";
import { escapeHtml } from "../../src/status/renderStatusPage.ts";

describe("logging", () => {
  it("censors keys, tokens, signatures and Authorization headers", () => {
    let out = "";
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = createLogger({ level: "trace", destination: sink as never });
    log.info({ req: { headers: { authorization: "Bearer supersecret-token" } } }, "request");
    log.info({ config: { ownerKey: "0xownerkey", signerKey: "0xsignerkey" } }, "config");
    log.info({ signature: "0xsigsig", body: { signature: "0xsig2", token: "tok-123" } }, "siwe");
    log.info({ inviteCode: "invite-xyz" }, "invite");
    for (const secret of ["supersecret-token", "0xownerkey", "0xsignerkey", "0xsigsig", "0xsig2", "tok-123", "invite-xyz"]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain("[redacted]");
  });
});

describe("status page escaping", () => {
  it("escapes markup from chain data", () => {
    expect(escapeHtml(`<script>alert("x")</script>&'`)).toBe("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
  });
});
