import { useToday } from "../hooks/useToday";
import { dayLabel } from "../lib/time";

/** "Today", "Yesterday", "Monday" or a date, centred between two days' messages. The
 * words move on at midnight while the conversation stays open. */
export function DateSeparator({ ts }: { ts: number }) {
  const label = dayLabel(ts, useToday());
  return (
    <div className="date-separator" role="separator" aria-label={label} data-day-label={label}>
      <span>{label}</span>
    </div>
  );
}
