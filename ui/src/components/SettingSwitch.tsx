import { useId } from "react";

type Props = {
  /** The input's name (tests and forms find it by this). */
  name: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** Why the last change was refused, shown under it. */
  error?: string;
};

/** A labelled checkbox with room for why a change did not take. */
export function SettingSwitch({ name, label, checked, onChange, error }: Props) {
  const errorId = useId();
  return (
    <div className="setting-switch">
      <label className="switch">
        <input
          type="checkbox"
          name={name}
          checked={checked}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        {label}
      </label>
      {error && (
        <p id={errorId} className="setting-error error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
