import { hueFor, initials } from "../lib/people";

type Props = { id: string; name: string; size?: "small" | "medium" };

/** A round badge with someone's initials on a colour of their own. */
export function Avatar({ id, name, size = "medium" }: Props) {
  const hue = hueFor(id);
  return (
    <span
      className={`avatar avatar-${size}`}
      style={{ backgroundColor: `hsl(${hue} 55% 46%)` }}
      aria-hidden="true"
    >
      {initials(name)}
    </span>
  );
}
