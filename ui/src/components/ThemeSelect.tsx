import { useTheme } from "../hooks/useTheme";
import { THEMES, type Theme } from "../lib/theme";

const LABEL: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };

/** System / Light / Dark, applied at once and remembered. */
export function ThemeSelect() {
  const [theme, setTheme] = useTheme();
  return (
    <label className="theme-select">
      Theme
      <select name="theme" value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        {THEMES.map((t) => (
          <option key={t} value={t}>
            {LABEL[t]}
          </option>
        ))}
      </select>
    </label>
  );
}
