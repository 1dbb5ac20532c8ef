import { useCountdown } from "../hooks/useCountdown";
import type { ConnectionState } from "../lib/protocol/core";

/** Says when the app is not connected, and when it tries again. Nothing when online. */
export function ConnectionBanner({ state }: { state: ConnectionState | null }) {
  const retryAt = state?.state === "offline" ? state.retry_at : null;
  const seconds = useCountdown(retryAt);
  if (!state || state.state === "online" || state.state === "stopped") return null;
  let text: string;
  if (state.state === "connecting") text = "Connecting…";
  else if (seconds !== null && seconds > 0) text = `Offline — reconnecting in ${seconds} s`;
  else text = "Offline — reconnecting…";
  return (
    <div className={`banner banner-${state.state}`} role="status">
      {text}
    </div>
  );
}
