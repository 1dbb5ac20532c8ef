import { useEffect, useState } from "react";

/** `flag`, but turning true only once it has stayed true for `ms` (so a quick answer from
 * the cache never flashes a "loading" line); turning false at once. */
export function useDelayedFlag(flag: boolean, ms: number): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!flag) {
      setShown(false);
      return;
    }
    const timer = setTimeout(() => setShown(true), ms);
    return () => clearTimeout(timer);
  }, [flag, ms]);
  return flag && shown;
}
