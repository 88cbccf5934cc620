import { describe, expect, it } from "vitest";
import { Messenger, MessengerError } from "./messenger.ts";

type Actions = { "a:double": (n: number) => number; "a:fail": () => never };
type Events = { "a:changed": { n: number } };

describe("messenger", () => {
  it("routes actions by name, once each, and publishes events to every subscriber", () => {
    const m = new Messenger<Actions, Events>();
    m.registerAction("a:double", (n) => n * 2);
    expect(m.call("a:double", 21)).toBe(42);
    expect(() => m.registerAction("a:double", (n) => n)).toThrow(MessengerError);
    expect(() => m.call("a:fail")).toThrow(/no handler for action a:fail/);
    const heard: number[] = [];
    const off = m.subscribe("a:changed", ({ n }) => heard.push(n));
    m.subscribe("a:changed", () => {
      throw new Error("a broken listener");
    });
    m.subscribe("a:changed", ({ n }) => heard.push(n * 10));
    m.publish("a:changed", { n: 1 });
    off();
    m.publish("a:changed", { n: 2 });
    expect(heard).toEqual([1, 10, 20]);
  });
});
