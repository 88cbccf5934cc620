import type { ReactNode } from "react";
import type { HumanError } from "../lib/errors.ts";
import { formatEth } from "../lib/format.ts";

export function Eth({ wei, testid }: { wei: bigint | string | null | undefined; testid?: string }) {
  return <span data-testid={testid}>{formatEth(wei)} ETH</span>;
}

export function Progress({ value, total, testid, label = "Progress" }: { value: number; total: number; testid: string; label?: string }) {
  const pct = total > 0 ? Math.min(100, (value / total) * 100) : 0;
  return (
    <div className="progress" data-testid={testid} data-value={value} data-total={total} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
      <div style={{ width: `${pct}%` }} />
    </div>
  );
}

const actionLabels: Partial<Record<HumanError["action"], string>> = {
  switchChain: "Switch network",
  unlockWallet: "Connect wallet",
  installWallet: "Wallet settings",
  signIn: "Sign in again",
  newQuote: "Ask for a new quote",
  penalty: "Open the penalty options",
  reconnect: "Connect again",
};

export function ErrorBanner({ error, onAction, onDismiss, testid = "error-banner" }: { error: HumanError; onAction?: (action: HumanError["action"]) => void; onDismiss?: () => void; testid?: string }) {
  const label = actionLabels[error.action];
  return (
    <div className="banner error" data-testid={testid} data-code={error.code} role="alert">
      <strong data-testid={`${testid}-title`}>{error.title}</strong>
      <div data-testid={`${testid}-message`}>{error.message}</div>
      {error.detail ? (
        <details>
          <summary className="muted">Details</summary>
          <code data-testid={`${testid}-detail`}>{error.detail}</code>
        </details>
      ) : null}
      <div className="row" style={{ marginTop: 6 }}>
        {label && onAction ? (
          <button className="secondary" data-testid={`${testid}-action`} data-action={error.action} onClick={() => onAction(error.action)}>
            {label}
          </button>
        ) : null}
        {onDismiss ? (
          <button className="secondary" data-testid={`${testid}-dismiss`} onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
    </div>
  );
}

export function Field({ label, children, testid }: { label: string; children: ReactNode; testid?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testid}>{children}</dd>
    </>
  );
}

export function Badge({ kind, children, testid }: { kind: "ok" | "bad" | "warn" | "plain"; children: ReactNode; testid?: string }) {
  return (
    <span className={`badge ${kind === "plain" ? "" : kind}`} data-testid={testid}>
      {children}
    </span>
  );
}
