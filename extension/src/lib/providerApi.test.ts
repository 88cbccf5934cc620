import { describe, expect, it } from "vitest";
import { toHumanError, UserFacingError } from "./errors.ts";
import { createProviderApi, normalizeBaseUrl } from "./providerApi.ts";

const fetchWith = (status: number, body: unknown): typeof fetch =>
  (async () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status })) as typeof fetch;

async function humanOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UserFacingError);
    return toHumanError(err);
  }
  throw new Error("expected a failure");
}

describe("provider API client", () => {
  it("normalizes the provider URL", () => {
    expect(normalizeBaseUrl("storage.example.com/")).toEqual({ baseUrl: "https://storage.example.com", origin: "https://storage.example.com" });
    expect(normalizeBaseUrl("http://127.0.0.1:8787/v1/")).toEqual({ baseUrl: "http://127.0.0.1:8787", origin: "http://127.0.0.1:8787" });
    expect(() => normalizeBaseUrl("ftp://x")).toThrow(/http/);
  });

  it("maps the provider's JSON errors to sentences", async () => {
    const api = createProviderApi({ baseUrl: "http://p", fetch: fetchWith(410, { error: { code: "OrderExpired", message: "too late" } }) });
    const human = await humanOf(api.order(`0x${"00".repeat(32)}`));
    expect(human).toMatchObject({ code: "ApiOrderExpired", title: "Quote expired", action: "newQuote" });
  });

  it("reports an unreachable provider", async () => {
    const api = createProviderApi({ baseUrl: "http://p", fetch: (async () => { throw new TypeError("Failed to fetch"); }) as typeof fetch });
    expect(await humanOf(api.info())).toMatchObject({ code: "ProviderUnreachable", action: "retry" });
  });

  it("refuses answers that do not follow the protocol's schema", async () => {
    const api = createProviderApi({ baseUrl: "http://p", fetch: fetchWith(200, { chainId: "nope" }) });
    expect(await humanOf(api.info())).toMatchObject({ code: "ProviderInvalidAnswer" });
  });
});

describe("errors a person understands", () => {
  it("maps wallet errors (EIP-1193) and nested causes", () => {
    expect(toHumanError({ code: 4001, message: "User rejected the request." }).code).toBe("UserRejected");
    expect(toHumanError(new Error("outer", { cause: { code: 4001 } })).code).toBe("UserRejected");
    expect(toHumanError({ code: 4100 }).code).toBe("WalletLocked");
    expect(toHumanError({ code: -32002 }).code).toBe("WalletRequestPending");
    expect(toHumanError({ code: 4902 }).action).toBe("switchChain");
  });

  it("maps the contract's custom errors", () => {
    const revert = { name: "ContractFunctionRevertedError", data: { errorName: "ServerContractQuoteExpired" }, shortMessage: "reverted" };
    expect(toHumanError(new Error("x", { cause: revert }))).toMatchObject({ code: "ServerContractQuoteExpired", action: "newQuote" });
  });

  it("recognizes insufficient funds and a wrong σ", () => {
    expect(toHumanError(new Error("insufficient funds for gas * price + value")).code).toBe("InsufficientFunds");
    expect(toHumanError({ code: "ReceiptSignerMismatch", message: "σ was signed by 0x1" })).toMatchObject({ code: "ReceiptInvalid", action: "penalty" });
    expect(toHumanError(new Error("something odd"))).toMatchObject({ code: "Unexpected", action: "retry" });
  });
});

describe("every API error code has a sentence", () => {
  it("covers protocol's errorCodes", async () => {
    const { errorCodes } = await import("@pekanu/protocol");
    const { apiError } = await import("./errors.ts");
    for (const code of errorCodes) expect(apiError(code, "m", 400).code, code).toBe(`Api${code}`);
  });
});
