import { useCallback, useState } from "react";
import { type Theme, applyTheme, storeTheme, storedTheme } from "../lib/theme";

/** The colour theme and a setter that shows it at once and remembers it. (main.tsx has
 * applied the stored one before the first paint.) */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setState] = useState<Theme>(() => storedTheme());
  const setTheme = useCallback((next: Theme) => {
    applyTheme(next);
    storeTheme(next);
    setState(next);
  }, []);
  return [theme, setTheme];
}
