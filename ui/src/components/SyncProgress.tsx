import { useSyncProgress } from "../hooks/useSyncProgress";

/** "Syncing… 120 messages" while catching up; nothing otherwise. */
export function SyncProgress() {
  const fetched = useSyncProgress();
  if (fetched === null) return null;
  return (
    <div className="sync-progress" role="status" aria-live="polite">
      <span className="sync-bar" aria-hidden="true" />
      Syncing… {fetched} {fetched === 1 ? "message" : "messages"}
    </div>
  );
}
