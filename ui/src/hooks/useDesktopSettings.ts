import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { DesktopSettings } from "../lib/protocol/desktop";
import { useDesktopEvent } from "./useDesktopEvent";

export type DesktopSettingKey = keyof DesktopSettings;

/**
 * The app's own preferences, kept in step with the shell (the tray menu can change
 * do-not-disturb). A change shows at once; if the shell refuses it (autostart may be
 * unavailable), that setting goes back and the refusal is kept by its key.
 */
export function useDesktopSettings(): {
  /** Null until loaded. */
  settings: DesktopSettings | null;
  loadError: string | null;
  errors: Partial<Record<DesktopSettingKey, string>>;
  change: (key: DesktopSettingKey, value: boolean) => void;
} {
  const [settings, setSettings] = useState<DesktopSettings | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Partial<Record<DesktopSettingKey, string>>>({});
  // Two quick changes must both build on the latest settings, not on one render's.
  const current = useRef<DesktopSettings | null>(null);
  const show = useCallback((next: DesktopSettings) => {
    current.current = next;
    setSettings(next);
  }, []);

  useEffect(() => {
    let live = true;
    ipc.desktopSettings().then(
      (loaded) => live && show(loaded),
      (e) => live && setLoadError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [show]);

  useDesktopEvent("desktop-settings", show);

  const change = useCallback(
    (key: DesktopSettingKey, value: boolean) => {
      const before = current.current;
      if (!before) return;
      show({ ...before, [key]: value });
      setErrors(({ [key]: _gone, ...rest }) => rest);
      ipc.setDesktopSettings({ ...before, [key]: value }).then(show, (e) => {
        if (current.current) show({ ...current.current, [key]: before[key] });
        setErrors((all) => ({ ...all, [key]: errorMessage(e) }));
      });
    },
    [show],
  );

  return { settings, loadError, errors, change };
}
