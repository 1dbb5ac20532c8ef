import { tickFor } from "../lib/messages";
import type { ReceiptState } from "../lib/receipts";

/** Where one of my messages stands: a clock while sending, a warning when it failed, one
 * check once sent, two once delivered, two coloured ones once read — with its name for
 * screen readers and as a tooltip. */
export function StatusTick({ state }: { state: ReceiptState }) {
  const tick = tickFor(state);
  return (
    <span className={`tick tick-${state}`} role="img" aria-label={tick.label} title={tick.label}>
      <TickIcon checks={tick.checks} failed={state === "failed"} />
    </span>
  );
}

function TickIcon({ checks, failed }: { checks: 0 | 1 | 2; failed: boolean }) {
  const common = {
    "aria-hidden": true,
    fill: "none",
    stroke: "currentColor",
    strokeWidth: 1.8,
    strokeLinecap: "round" as const,
    strokeLinejoin: "round" as const,
  };
  if (checks === 1) {
    return (
      <svg viewBox="0 0 16 12" width="15" height="12" {...common}>
        <path d="M2.5 6.5l3.2 3.2L13 2.5" />
      </svg>
    );
  }
  if (checks === 2) {
    return (
      <svg viewBox="0 0 20 12" width="18" height="12" {...common}>
        <path d="M1.5 6.5l3.2 3.2L12 2.5" />
        <path d="M8.6 9.3l.4.4L16.3 2.5" />
      </svg>
    );
  }
  // A clock while sending, an exclamation mark when it failed.
  return (
    <svg viewBox="0 0 16 16" width="13" height="13" {...common}>
      <circle cx="8" cy="8" r="6.2" />
      <path d={failed ? "M8 4.5v4.2M8 11.3v.2" : "M8 4.6V8l2.3 1.5"} />
    </svg>
  );
}
