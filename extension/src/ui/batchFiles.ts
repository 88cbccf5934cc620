// The files of this page's batches (File objects cannot cross to the background): order id →
// File. A page opened later holds none and asks for the files again (checked by their commitment).
const files = new Map<string, File>();
const listeners = new Set<() => void>();

export const batchFiles = {
  get: (orderId: string): File | undefined => files.get(orderId),
  has: (orderId: string): boolean => files.has(orderId),
  set(orderId: string, file: File): void {
    files.set(orderId, file);
    for (const l of listeners) l();
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
