import { describe, expect, it } from "vitest";
import { clientAddressKey } from "../../src/http/clientAddressKey.ts";

describe("clientAddressKey", () => {
  it("keeps IPv4 addresses (also IPv4-mapped IPv6) as they are", () => {
    expect(clientAddressKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("groups IPv6 addresses by /64, however they are written", () => {
    const key = "2001:db8:1:2::/64";
    for (const ip of ["2001:db8:1:2::1", "2001:0db8:0001:0002:ffff:1:2:3", "2001:db8:1:2:0:0:0:0", "2001:DB8:1:2::abcd", "2001:db8:1:2::1.2.3.4", "2001:db8:1:2::1%eth0"]) {
      expect(clientAddressKey(ip), ip).toBe(key);
    }
    expect(clientAddressKey("2001:db8:1:3::1")).not.toBe(key);
    expect(clientAddressKey("::1")).toBe("0:0:0:0::/64");
    expect(clientAddressKey("2001:db8::")).toBe("2001:db8:0:0::/64");
  });
});
