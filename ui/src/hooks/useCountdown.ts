import { useEffect, useState } from "react";
import { secondsUntil } from "../lib/time";

/** Whole seconds left until `at` (ms since epoch), ticking every second; null for none. */
export function useCountdown(at: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? null : secondsUntil(at, now);
}
