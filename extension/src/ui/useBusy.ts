import { useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import { humanOf } from "./background.ts";

/**
 * A view's one action at a time: `run(work)` marks it pending (buttons disable on `pending`) and
 * shows a failure in words through `onError`.
 */
export function useBusy(onError: (error: HumanError) => void): { pending: boolean; run: (work: () => Promise<unknown>) => Promise<void> } {
  const [pending, setPending] = useState(false);
  const run = async (work: () => Promise<unknown>) => {
    setPending(true);
    try {
      await work();
    } catch (err) {
      onError(humanOf(err));
    } finally {
      setPending(false);
    }
  };
  return { pending, run };
}
