// The typed messenger between the background's controllers (after MetaMask's BaseController
// messenger): a controller registers the actions it offers (`orders:get`) and publishes events
// (`orders:changed`); others call and subscribe by name, never by holding each other. Each
// controller can then be tested alone with a messenger carrying fakes of the actions it calls.

/** Action name → handler signature. */
export type ActionMap = Record<string, (...args: never[]) => unknown>;
/** Event name → payload. */
export type EventMap = Record<string, unknown>;

export class MessengerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MessengerError";
  }
}

export class Messenger<A extends ActionMap, E extends EventMap> {
  private readonly actions = new Map<keyof A, A[keyof A]>();
  private readonly listeners = new Map<keyof E, Set<(payload: never) => void>>();

  registerAction<K extends keyof A>(name: K, handler: A[K]): void {
    if (this.actions.has(name)) throw new MessengerError(`action ${String(name)} is already registered`);
    this.actions.set(name, handler);
  }

  call<K extends keyof A>(name: K, ...args: Parameters<A[K]>): ReturnType<A[K]> {
    const handler = this.actions.get(name) as ((...a: Parameters<A[K]>) => ReturnType<A[K]>) | undefined;
    if (!handler) throw new MessengerError(`no handler for action ${String(name)}`);
    return handler(...args);
  }

  subscribe<K extends keyof E>(name: K, listener: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set!.delete(listener as (payload: never) => void);
  }

  publish<K extends keyof E>(name: K, payload: E[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as (p: E[K]) => void)(payload);
      } catch {
        // A listener's failure is its own; the others still hear the event.
      }
    }
  }
}
