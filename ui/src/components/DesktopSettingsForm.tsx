import { useDesktopSettings, type DesktopSettingKey } from "../hooks/useDesktopSettings";
import { SettingSwitch } from "./SettingSwitch";

/** One checkbox: its input name, the setting it shows, and whether checked means off
 * ("Show message previews" is `hide_previews` turned around). */
type Switch = { name: string; setting: DesktopSettingKey; label: string; inverted?: boolean };

const GROUPS: { legend: string; switches: Switch[] }[] = [
  {
    legend: "Notifications",
    switches: [
      { name: "do_not_disturb", setting: "do_not_disturb", label: "Do not disturb" },
      {
        name: "show_previews",
        setting: "hide_previews",
        label: "Show message previews",
        inverted: true,
      },
      { name: "sound", setting: "sound", label: "Play a sound" },
    ],
  },
  {
    legend: "Window",
    switches: [
      {
        name: "close_to_tray",
        setting: "close_to_tray",
        label: "Keep running in the tray when closed",
      },
      { name: "start_at_login", setting: "start_at_login", label: "Start Tidings at login" },
    ],
  },
];

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
      {GROUPS.map((group) => (
        <fieldset key={group.legend}>
          <legend>{group.legend}</legend>
          {group.switches.map(({ name, setting, label, inverted }) => (
            <SettingSwitch
              key={name}
              name={name}
              label={label}
              checked={settings[setting] !== Boolean(inverted)}
              error={errors[setting]}
              onChange={(on) => change(setting, on !== Boolean(inverted))}
            />
          ))}
        </fieldset>
      ))}
    </div>
  );
}
