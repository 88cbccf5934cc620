// The UI side of the messaging: one port that receives the background's view, and `send` for
// typed requests. Thin by design: pages render the view and send what the person asked for.
import { useEffect, useState } from "react";
import type { HumanError } from "../lib/errors.ts";
import type { PortMessage, Request, Response, View } from "../lib/messages.ts";
import { PORT_NAME } from "../lib/port.ts";
import { PAGE_LEASE_ID } from "./lease.ts";

export class RequestError extends Error {
  readonly human: HumanError;
  constructor(human: HumanError) {
    super(human.message);
    this.human = human;
  }
}

export async function send<T = unknown>(request: Request): Promise<T> {
  let response: Response<T> | undefined;
  try {
    response = (await chrome.runtime.sendMessage(request)) as Response<T> | undefined;
  } catch (err) {
    throw new RequestError({
      code: "BackgroundUnavailable",
      title: "Extension restarting",
      message: "The extension's background was restarting. Try again.",
      action: "retry",
      detail: err instanceof Error ? err.message : String(err),
    });
  }
  if (!response) throw new RequestError({ code: "BackgroundUnavailable", title: "No answer", message: "The extension's background did not answer. Try again.", action: "retry" });
  if (!response.ok) throw new RequestError(response.error);
  return response.data;
}

export function humanOf(err: unknown): HumanError {
  if (err instanceof RequestError) return err.human;
  return { code: "Unexpected", title: "Something went wrong", message: err instanceof Error ? err.message : String(err), action: "retry" };
}

/** The background's view, pushed over a port; reconnects when the service worker restarts. */
export function useView(): View | null {
  const [view, setView] = useState<View | null>(null);
  useEffect(() => {
    let port: chrome.runtime.Port | null = null;
    let closed = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      if (closed) return;
      port = chrome.runtime.connect({ name: PORT_NAME });
      // This page's upload lease: released as soon as the page goes (its port disconnects), so a
      // reopened page resumes at once instead of waiting for the lease to lapse.
      port.postMessage({ type: "lease", leaseId: PAGE_LEASE_ID });
      port.onMessage.addListener((message: PortMessage) => {
        if (message.type === "view") {
          setView(message.view);
          if (!performance.getEntriesByName("pekanu:first-view").length) performance.mark("pekanu:first-view");
        }
      });
      port.onDisconnect.addListener(() => {
        port = null;
        timer = setTimeout(connect, 250);
      });
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      port?.disconnect();
    };
  }, []);
  return view;
}

export function openApp(hash = ""): void {
  // The background focuses the one Pekanu tab if it is open, and opens it otherwise.
  void send({ type: "app.open", hash }).catch(() => chrome.tabs.create({ url: chrome.runtime.getURL(`tabs/app.html${hash}`) }));
}

export function openAppNewTab(hash = ""): void {
  const url = chrome.runtime.getURL(`tabs/app.html${hash}`);
  void chrome.tabs.create({ url });
}

/** Marks the first React commit (bench: time to first render); names the page for assistive tech. */
export function useFirstRenderMark(title = "Pekanu"): void {
  useEffect(() => {
    document.documentElement.lang = "en";
    document.title = title;
    if (!performance.getEntriesByName("pekanu:first-render").length) performance.mark("pekanu:first-render");
  }, []);
}
