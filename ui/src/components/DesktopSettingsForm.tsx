import { useDesktopSettings } from "../hooks/useDesktopSettings";
import { SettingSwitch } from "./SettingSwitch";

/** The app's own preferences: notifications (do not disturb, previews, sound) and the
 * window (the tray, starting at login). Each change applies at once. */
export function DesktopSettingsForm() {
  const { settings, loadError, errors, change } = useDesktopSettings();
  if (loadError) {
    return (
      <p className="desktop-settings error small" role="alert">
        {loadError}
      </p>
    );
  }
  if (!settings) return <div className="desktop-settings" aria-busy="true" />;
  return (
    <div className="desktop-settings">
      <fieldset>
        <legend>Notifications</legend>
        <SettingSwitch
          name="do_not_disturb"
          label="Do not disturb"
          checked={settings.do_not_disturb}
          error={errors.do_not_disturb}
          onChange={(on) => change("do_not_disturb", on)}
        />
        <SettingSwitch
          name="show_previews"
          label="Show message previews"
          checked={!settings.hide_previews}
          error={errors.hide_previews}
          onChange={(on) => change("hide_previews", !on)}
        />
        <SettingSwitch
          name="sound"
          label="Play a sound"
          checked={settings.sound}
          error={errors.sound}
          onChange={(on) => change("sound", on)}
        />
      </fieldset>
      <fieldset>
        <legend>Window</legend>
        <SettingSwitch
          name="close_to_tray"
          label="Keep running in the tray when closed"
          checked={settings.close_to_tray}
          error={errors.close_to_tray}
          onChange={(on) => change("close_to_tray", on)}
        />
        <SettingSwitch
          name="start_at_login"
          label="Start Tidings at login"
          checked={settings.start_at_login}
          error={errors.start_at_login}
          onChange={(on) => change("start_at_login", on)}
        />
      </fieldset>
    </div>
  );
}
