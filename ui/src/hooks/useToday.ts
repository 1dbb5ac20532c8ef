import { useEffect, useState } from "react";
import { dayKey, msUntilMidnight } from "../lib/time";

/**
 * "Now", for labels that are relative to the day ("Today", "Yesterday", "14:05" versus
 * "Mon"): the time of the last render it caused, which changes at each local midnight,
 * so those labels move on while the app stays open. One timer, set to the exact time
 * left and re-armed each day; a computer that slept past midnight catches up when the
 * window is shown or focused again.
 */
export function useToday(): number {
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    // A timer that fires a little early just sets the next one for the time left.
    const timer = setTimeout(() => setNow(Date.now()), msUntilMidnight(now));
    function catchUp() {
      const current = Date.now();
      if (dayKey(current) !== dayKey(now)) setNow(current);
    }
    window.addEventListener("focus", catchUp);
    document.addEventListener("visibilitychange", catchUp);
    return () => {
      clearTimeout(timer);
      window.removeEventListener("focus", catchUp);
      document.removeEventListener("visibilitychange", catchUp);
    };
  }, [now]);

  return now;
}
