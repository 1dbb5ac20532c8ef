import { tickFor } from "../lib/messages";
import type { MessageStatus } from "../lib/protocol/core";

/** Pending (clock), sent (check) or failed (exclamation) — with a label for screen readers. */
export function StatusTick({ status }: { status: MessageStatus }) {
  const tick = tickFor(status);
  return (
    <span className={`tick tick-${status}`} role="img" aria-label={tick.label} title={tick.label}>
      {tick.symbol}
    </span>
  );
}
