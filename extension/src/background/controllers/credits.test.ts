import { describe, expect, it, vi } from "vitest";
import { client, contract } from "../../test-support/fixtures.ts";
import { harness } from "../../test-support/background.ts";
import { CreditsController } from "./credits.ts";

describe("credits controller", () => {
  it("reads the credit in wei from the provider's contract, withdraws it, and reads it again once mined", async () => {
    const h = harness();
    let credit = 1_234_567_000_000_000n;
    const chain = {
      withdrawable: vi.fn(async (c: string, account: string) => (c === contract && account === client ? credit : 0n)),
      send: vi.fn(async () => `0x${"ab".repeat(32)}` as const),
      waitForReceipt: vi.fn(async () => {
        credit = 0n;
        return { status: "success" } as never;
      }),
    };
    const credits = new CreditsController({ messenger: h.messenger, chain: chain as never, account: async () => client, now: () => 7 });
    expect(await h.messenger.call("credits:read")).toEqual({ amount: "1234567000000000", readAt: 7 });
    const tx = await credits.withdraw();
    expect(tx).toBe(`0x${"ab".repeat(32)}`);
    expect(chain.send).toHaveBeenCalledWith({ contract, from: client, functionName: "withdraw", args: [] });
    await vi.waitFor(() => expect(credits.state).toEqual({ amount: "0", readAt: 7 }));
  });

  it("refuses on the wrong network and forgets credits when the provider is forgotten", async () => {
    const h = harness();
    const chain = { withdrawable: vi.fn(async () => 5n), send: vi.fn(), waitForReceipt: vi.fn() };
    const credits = new CreditsController({ messenger: h.messenger, chain: chain as never, account: async () => client });
    h.chainOk.value = false;
    await expect(credits.read()).rejects.toMatchObject({ human: { code: "WrongChain" } });
    await expect(credits.withdraw()).rejects.toMatchObject({ human: { code: "WrongChain" } });
    expect(chain.send).not.toHaveBeenCalled();
    h.chainOk.value = true;
    await credits.read();
    expect(credits.state?.amount).toBe("5");
    h.messenger.publish("session:changed", { provider: null, session: null, registration: null, error: null });
    expect(credits.state).toBeNull();
  });
});
