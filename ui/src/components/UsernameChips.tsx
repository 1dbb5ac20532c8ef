import { parseUsernames, withoutUsername } from "../lib/usernames";

type Props = {
  /** What was typed in the usernames field. */
  value: string;
  onChange: (value: string) => void;
  /** For the list's accessible name: "People to add". */
  label: string;
};

/** The usernames typed so far, one removable chip each. */
export function UsernameChips({ value, onChange, label }: Props) {
  const names = parseUsernames(value);
  if (names.length === 0) return null;
  return (
    <ul className="chips" aria-label={label}>
      {names.map((name) => (
        <li key={name.toLowerCase()} className="chip" data-username={name}>
          <span>@{name}</span>
          <button
            type="button"
            className="chip-remove"
            aria-label={`Remove ${name}`}
            onClick={() => onChange(withoutUsername(value, name))}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
