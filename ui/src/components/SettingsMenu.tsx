import { useEffect, useRef, useState } from "react";
import { DesktopSettingsForm } from "./DesktopSettingsForm";
import { Icon } from "./Icon";
import { ThemeSelect } from "./ThemeSelect";

/** The sidebar header's settings button and its small menu: the theme, then the app's
 * notification and window preferences. Closes on Escape or a click elsewhere. */
export function SettingsMenu() {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    function onPointerDown(e: MouseEvent) {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    }
    document.addEventListener("mousedown", onPointerDown);
    return () => document.removeEventListener("mousedown", onPointerDown);
  }, [open]);

  return (
    <div
      className="settings-menu-wrap"
      ref={root}
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          e.stopPropagation();
          e.preventDefault();
          setOpen(false);
          root.current?.querySelector<HTMLElement>("button")?.focus();
        }
      }}
    >
      <button
        type="button"
        className="icon-button"
        aria-label="Settings"
        title="Settings"
        aria-expanded={open}
        aria-controls="settings-menu"
        onClick={() => setOpen((o) => !o)}
      >
        <Icon name="settings" />
      </button>
      {open && (
        <div id="settings-menu" className="settings-menu" role="group" aria-label="Settings">
          <ThemeSelect />
          <DesktopSettingsForm />
        </div>
      )}
    </div>
  );
}
