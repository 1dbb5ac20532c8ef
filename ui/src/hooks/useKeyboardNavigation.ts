import { useEffect, useRef } from "react";
import { type Shortcut, shortcutOf } from "../lib/navigation";

/** What each app-wide shortcut does; return false to let the key through. */
export type ShortcutHandlers = Partial<Record<Shortcut, () => boolean | void>>;

/** Listens for the app-wide shortcuts (lib/navigation.ts) on the window while mounted.
 * A key some element already handled (Escape closing a dialog, say) is left alone. */
export function useKeyboardNavigation(handlers: ShortcutHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(() => {
    function onKeyDown(e: KeyboardEvent) {
      if (e.defaultPrevented || e.isComposing) return;
      const shortcut = shortcutOf(e);
      const handler = shortcut && latest.current[shortcut];
      if (!handler) return;
      if (handler() !== false) e.preventDefault();
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
}
