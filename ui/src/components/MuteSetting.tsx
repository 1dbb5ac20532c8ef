import { useEffect, useState } from "react";
import { useAction } from "../hooks/useAction";
import { ipc } from "../lib/ipc";
import { isMuted } from "../lib/people";
import type { ConversationId, ConversationSettings } from "../lib/protocol/protocol";

const HOUR = 3600 * 1000;

/** How long a mute lasts; 0 until turned back on. */
const DURATIONS: { label: string; ms: number }[] = [
  { label: "Until I turn it back on", ms: 0 },
  { label: "For 1 hour", ms: HOUR },
  { label: "For 8 hours", ms: 8 * HOUR },
  { label: "For 1 day", ms: 24 * HOUR },
  { label: "For 1 week", ms: 7 * 24 * HOUR },
];

type Props = { conversationId: ConversationId; settings: ConversationSettings };

/** "Mute notifications", for a while or until turned back on; the same on all my
 * devices. */
export function MuteSetting({ conversationId, settings }: Props) {
  const [duration, setDuration] = useState(0);
  const { busy, error, run } = useAction();
  const muted = isMuted(settings);
  // Shown at once; the stored settings arrive a moment later (and win).
  const [wanted, setWanted] = useState<boolean | null>(null);
  useEffect(() => setWanted(null), [muted, settings.muted_until]);

  function apply(mute: boolean, ms: number) {
    // The settings are replaced as a whole: keep the rest as it is.
    const next: ConversationSettings = mute
      ? { ...settings, muted: true, muted_until: ms > 0 ? Date.now() + ms : null }
      : { ...settings, muted: false, muted_until: null };
    setWanted(mute);
    void run(() => ipc.setConversationSettings(conversationId, next)).then((ok) => {
      if (!ok) setWanted(null);
    });
  }

  return (
    <div className="mute-setting">
      <label className="switch">
        <input
          type="checkbox"
          name="muted"
          checked={wanted ?? muted}
          disabled={busy}
          onChange={(e) => apply(e.target.checked, duration)}
        />
        Mute notifications
      </label>
      <select
        name="mute-duration"
        aria-label="Mute for how long"
        value={duration}
        disabled={busy}
        onChange={(e) => {
          const ms = Number(e.target.value);
          setDuration(ms);
          if (muted) apply(true, ms);
        }}
      >
        {DURATIONS.map((d) => (
          <option key={d.ms} value={d.ms}>
            {d.label}
          </option>
        ))}
      </select>
      {muted && (
        <p className="muted small mute-state">
          {settings.muted_until
            ? `Muted until ${new Date(settings.muted_until).toLocaleString(undefined, {
                weekday: "short",
                hour: "2-digit",
                minute: "2-digit",
              })}.`
            : "Muted until you turn it back on."}
        </p>
      )}
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
