// Exact-length reads over an (async) iterable of byte pieces of any size. Internal.

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export type ByteReader = {
  /** The next `length` bytes; fewer only at the end of the source. A view into a piece when one holds them all. */
  read(length: number): Promise<Uint8Array>;
  /** True when the source has no more bytes. */
  atEnd(): Promise<boolean>;
  /** Stops the source early (its `return`). */
  close(): Promise<void>;
};

const EMPTY: Uint8Array = new Uint8Array(0);

export function createByteReader(source: ByteSource): ByteReader {
  const iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> =
    Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<Uint8Array>)[Symbol.iterator]();
  let current: Uint8Array = EMPTY;
  let offset = 0;
  let done = false;

  async function fill(): Promise<boolean> {
    while (offset >= current.length) {
      if (done) return false;
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return false;
      }
      current = next.value;
      offset = 0;
    }
    return true;
  }

  return {
    async read(length) {
      if (length === 0 || !(await fill())) return EMPTY;
      if (current.length - offset >= length) {
        const out = current.subarray(offset, offset + length);
        offset += length;
        return out;
      }
      const out = new Uint8Array(length);
      let filled = 0;
      while (filled < length && (await fill())) {
        const take = Math.min(length - filled, current.length - offset);
        out.set(current.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
      return filled === length ? out : out.subarray(0, filled);
    },
    async atEnd() {
      return !(await fill());
    },
    async close() {
      if (!done) {
        done = true;
        await iterator.return?.();
      }
    },
  };
}
