// A notification's click opens `#vault/<key>?action=<name>`: the matching button of the file's
// details (detail-challenge, detail-claim, detail-dispute, detail-renew) gets the focus once shown.
import { useEffect } from "react";

export function actionFromHash(hash: string): string | null {
  return /[?&]action=([a-z]+)/.exec(hash)?.[1] ?? null;
}

export function useActionFocus(): void {
  useEffect(() => {
    const action = actionFromHash(location.hash);
    if (!action) return;
    let tries = 0;
    const timer = setInterval(() => {
      const button = document.querySelector<HTMLElement>(`[data-testid="detail-${action}"]:not([hidden])`);
      if (button || ++tries > 50) {
        clearInterval(timer);
        button?.focus();
        button?.setAttribute("data-action-ready", "true");
      }
    }, 200);
    return () => clearInterval(timer);
  }, []);
}
