import { dayLabel } from "../lib/time";

/** "Today", "Yesterday", "Monday" or a date, centred between two days' messages. */
export function DateSeparator({ ts, now }: { ts: number; now?: number }) {
  const label = dayLabel(ts, now);
  return (
    <div className="date-separator" role="separator" aria-label={label}>
      <span>{label}</span>
    </div>
  );
}
