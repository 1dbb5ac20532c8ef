// Times as the list and the view show them.

/** "14:05" today, "Mon" this week, else "12 Mar". */
export function shortTime(ts: number, now: number = Date.now()): string {
  const d = new Date(ts);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) {
    return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }
  if (now - ts < 6 * 24 * 3600 * 1000) {
    return d.toLocaleDateString(undefined, { weekday: "short" });
  }
  return d.toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

/** "14:05", for a message group. */
export function clockTime(ts: number, locale?: string): string {
  return new Date(ts).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/** "Tuesday, 12 March 2024, 14:05": a message's full time, for its tooltip. */
export function fullTime(ts: number, locale?: string): string {
  return new Date(ts).toLocaleString(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** Whole seconds from `now` until `at` (never negative). */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The local calendar day of `ts`, as "2024-03-12" (one key per day separator). */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** How many local calendar days `ts` lies before `now` (0 = the same day, 1 = the day
 * before, negative for a later day). Counted on dates, so a DST change does not matter. */
export function daysBefore(ts: number, now: number): number {
  const a = new Date(ts);
  const b = new Date(now);
  const dayA = Date.UTC(a.getFullYear(), a.getMonth(), a.getDate());
  const dayB = Date.UTC(b.getFullYear(), b.getMonth(), b.getDate());
  return Math.round((dayB - dayA) / 86_400_000);
}

/** A day separator's words: "Today", "Yesterday", the weekday within the last week
 * ("Monday"), else the date ("Tue, 12 March", with the year when it is not this one). */
export function dayLabel(ts: number, now: number = Date.now(), locale?: string): string {
  const days = daysBefore(ts, now);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  const d = new Date(ts);
  if (days > 1 && days < 7) return d.toLocaleDateString(locale, { weekday: "long" });
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(locale, {
    weekday: "short",
    day: "numeric",
    month: "long",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

/** Milliseconds from `now` to the next local midnight (a DST day is 23 or 25 hours long,
 * so this is counted on the calendar, not as 24 hours). */
export function msUntilMidnight(now: number): number {
  const d = new Date(now);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() - now;
}
