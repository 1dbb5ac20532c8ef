import { hueFor, initials } from "../lib/people";
import type { PresenceState } from "../lib/protocol/protocol";

type Props = { id: string; name: string; size?: "small" | "medium"; presence?: PresenceState };

const PRESENCE_LABEL: Record<PresenceState, string> = {
  online: "online",
  away: "away",
  offline: "offline",
};

/** A round badge with someone's initials on a colour of their own, and a presence dot
 * when their presence is known (green online, amber away, none offline). */
export function Avatar({ id, name, size = "medium", presence }: Props) {
  const hue = hueFor(id);
  return (
    <span className="avatar-wrap">
      <span
        className={`avatar avatar-${size}`}
        style={{ backgroundColor: `hsl(${hue} 55% 46%)` }}
        aria-hidden="true"
      >
        {initials(name)}
      </span>
      {presence && presence !== "offline" && (
        <span
          className={`presence-dot presence-${presence}`}
          role="img"
          aria-label={PRESENCE_LABEL[presence]}
          data-presence={presence}
        />
      )}
    </span>
  );
}
