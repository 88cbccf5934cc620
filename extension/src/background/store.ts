// Persistence for controllers: a small key-value interface over chrome.storage.local, so a
// controller's persisted state can be tested with the in-memory store.
export type KeyValueStore = {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  remove(key: string): Promise<void>;
  /** Every key starting with `prefix`, with its value. */
  entries<T>(prefix: string): Promise<[string, T][]>;
};

export function chromeStore(area: chrome.storage.StorageArea = chrome.storage.local): KeyValueStore {
  return {
    async get<T>(key: string) {
      return (await area.get(key))[key] as T | undefined;
    },
    set: (key, value) => area.set({ [key]: value }),
    remove: (key) => area.remove(key),
    async entries<T>(prefix: string) {
      const all = await area.get(null);
      return Object.entries(all).filter(([k]) => k.startsWith(prefix)) as [string, T][];
    },
  };
}

export function memoryStore(initial: Record<string, unknown> = {}): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>(Object.entries(structuredClone(initial)));
  return {
    data,
    async get<T>(key: string) {
      return structuredClone(data.get(key)) as T | undefined;
    },
    async set(key, value) {
      data.set(key, structuredClone(value));
    },
    async remove(key) {
      data.delete(key);
    },
    async entries<T>(prefix: string) {
      return [...data].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k, structuredClone(v)]) as [string, T][];
    },
  };
}
