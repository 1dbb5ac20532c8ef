// The colour theme: the system's (prefers-color-scheme), or light or dark whatever the
// system says. Kept in localStorage; applied as `data-theme="light|dark"` on <html>, which
// styles.css reads (the system's choice is resolved here, and followed as it changes).

export type Theme = "system" | "light" | "dark";

export const THEMES: readonly Theme[] = ["system", "light", "dark"];

/** Where the choice is kept. */
export const THEME_KEY = "tidings.theme";

function isTheme(value: unknown): value is Theme {
  return typeof value === "string" && (THEMES as readonly string[]).includes(value);
}

/** The remembered choice; "system" when there is none (or storage is unavailable). */
export function storedTheme(storage: Pick<Storage, "getItem"> | null = safeStorage()): Theme {
  try {
    const value = storage?.getItem(THEME_KEY);
    return isTheme(value) ? value : "system";
  } catch {
    return "system";
  }
}

/** Remembers the choice ("system" forgets it). */
export function storeTheme(
  theme: Theme,
  storage: Pick<Storage, "setItem" | "removeItem"> | null = safeStorage(),
): void {
  try {
    if (theme === "system") storage?.removeItem(THEME_KEY);
    else storage?.setItem(THEME_KEY, theme);
  } catch {
    // Private mode or a full disk: the choice lasts until the app closes.
  }
}

/** Shows `theme`: `data-theme="light|dark"` on the root element; for "system", the one
 * the system prefers now. */
export function applyTheme(
  theme: Theme,
  root: HTMLElement = document.documentElement,
  systemPrefersDark: boolean = prefersDark(),
): void {
  const shown = theme === "system" ? (systemPrefersDark ? "dark" : "light") : theme;
  root.setAttribute("data-theme", shown);
}

const DARK_QUERY = "(prefers-color-scheme: dark)";

function prefersDark(): boolean {
  return typeof window.matchMedia === "function" && window.matchMedia(DARK_QUERY).matches;
}

/** Shows the stored theme now and again whenever the system's preference changes (which
 * matters while the choice is "system"). */
export function followTheme(): void {
  applyTheme(storedTheme());
  if (typeof window.matchMedia !== "function") return;
  window.matchMedia(DARK_QUERY).addEventListener("change", () => {
    if (storedTheme() === "system") applyTheme("system");
  });
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
