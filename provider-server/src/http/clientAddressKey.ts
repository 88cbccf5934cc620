import { isIPv4, isIPv6 } from "node:net";

/**
 * The key per-client limits count under: an IPv4 address as is (IPv4-mapped IPv6 included), an
 * IPv6 address by its /64 prefix, since one subscriber usually holds a whole /64 and could
 * otherwise pick a fresh address for every request.
 */
export function clientAddressKey(ip: string): string {
  const address = ip.startsWith("::ffff:") && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (!isIPv6(address)) return address;
  const [head = "", tail = ""] = address.split("%")[0]!.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  // An embedded IPv4 tail (::1.2.3.4) lies in the low 64 bits: it never changes the /64.
  const groups = address.includes("::") ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || "0", 16).toString(16))
    .join(":")}::/64`;
}
