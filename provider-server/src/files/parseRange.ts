export type ByteRange = { start: number; end: number };

/**
 * Parses a `Range` header against a resource of `size` bytes (RFC 9110 §14). Returns the one
 * satisfiable range, `"unsatisfiable"` (answer 416), or `undefined` to serve the whole resource:
 * no header, another unit, a malformed value, or several ranges (a server may ignore Range; we do
 * not build multipart answers).
 */
export function parseRange({ header, size }: { header: string | undefined; size: number }): ByteRange | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=\s*(\d*)-(\d*)\s*$/.exec(header.trim());
  if (!match) return undefined;
  const [, first, last] = match as unknown as [string, string, string];
  if (first === "" && last === "") return undefined;
  if (first === "") {
    // Suffix range: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return undefined; // invalid range spec: ignore the header
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
