// Formatting without viem, so the popup stays small and renders fast.

const WEI_PER_ETH = 10n ** 18n;

/** Wei (bigint or decimal string) as ETH with up to `decimals` fraction digits, trailing zeros cut. */
export function formatEth(wei: bigint | string | null | undefined, decimals = 6): string {
  if (wei === null || wei === undefined || wei === "") return "—";
  const value = typeof wei === "bigint" ? wei : BigInt(wei);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / WEI_PER_ETH;
  const fraction = abs % WEI_PER_ETH;
  let fractionText = fraction.toString().padStart(18, "0").slice(0, decimals).replace(/0+$/, "");
  if (fractionText === "" && fraction > 0n) {
    // Too small to show with `decimals` digits: show its significant digits instead of "0".
    fractionText = fraction.toString().padStart(18, "0").replace(/0+$/, "");
  }
  return `${negative ? "-" : ""}${whole}${fractionText ? `.${fractionText}` : ""}`;
}

export function shortHex(value: string | null | undefined, head = 6, tail = 4): string {
  if (!value) return "—";
  return value.length <= head + tail + 2 ? value : `${value.slice(0, head + 2)}…${value.slice(-tail)}`;
}

/** A byte count ≥ 1024 as a value in the largest binary unit below 1024 of it. */
function inBinaryUnits(bytes: number): { value: number; unit: string } {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return { value, unit: units[unit]! };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const { value, unit } = inBinaryUnits(bytes);
  return `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${unit}`;
}

/** A unix time in seconds or milliseconds as a local date-time. */
export function formatTime(time: number | string | bigint | null | undefined): string {
  if (time === null || time === undefined) return "—";
  const ms = toMillis(Number(time));
  if (!ms) return "—";
  return new Date(ms).toLocaleString();
}

/** Accepts unix seconds or milliseconds (provider APIs differ) and returns milliseconds. */
export function toMillis(time: number): number {
  return time > 0 && time < 1e12 ? time * 1000 : time;
}

export function formatDuration(seconds: number | string | bigint): string {
  let s = Math.max(0, Math.round(Number(seconds)));
  const d = Math.floor(s / 86_400);
  s -= d * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts: string[] = [];
  if (d) parts.push(`${d} d`);
  if (h) parts.push(`${h} h`);
  if (m && !d) parts.push(`${m} min`);
  if (!d && !h && (s || parts.length === 0)) parts.push(`${s} s`);
  return parts.join(" ");
}

/** "in 3 h 2 min" / "2 min ago" relative to now (ms). */
export function relativeTime(targetMs: number, nowMs: number): string {
  const delta = Math.round((targetMs - nowMs) / 1000);
  if (Math.abs(delta) < 5) return "just now";
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/**
 * A size limit in the largest unit below 1024 of it, cut (never rounded up) to one decimal:
 * 1073479644 → "1023.7 MiB" (formatBytes would say "1024 MiB", more than fits), 2^30 → "1 GiB".
 */
export function formatByteLimit(bytes: number): string {
  if (bytes < 1024) return `${Math.max(0, bytes)} B`;
  const { value, unit } = inBinaryUnits(bytes);
  return `${Math.floor(value * 10) / 10} ${unit}`;
}

/** A byte count with thousands separators: 1073479644 → "1,073,479,644". */
export function formatByteCount(bytes: number): string {
  return bytes.toLocaleString("en-US");
}
