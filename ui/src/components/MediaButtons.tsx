import { useMediaActions } from "../hooks/useMediaActions";
import type { MediaInfo } from "../lib/protocol/protocol";

/** Open (in the system's app) and Save… for one file, with a spinner on the button while
 * the file downloads, "Saved" for a moment after, or why it failed. */
export function MediaButtons({ media }: { media: MediaInfo }) {
  const { busy, saved, error, open, save } = useMediaActions(media);
  return (
    <div className="media-buttons">
      <button
        type="button"
        className="media-open ghost small"
        aria-busy={busy === "open"}
        disabled={busy !== null}
        onClick={open}
      >
        {busy === "open" && <span className="spinner" aria-hidden="true" />}
        Open
      </button>
      <button
        type="button"
        className="media-save ghost small"
        aria-busy={busy === "save"}
        disabled={busy !== null}
        onClick={save}
      >
        {busy === "save" && <span className="spinner" aria-hidden="true" />}
        Save…
      </button>
      {saved && (
        <span className="media-saved small" role="status">
          Saved
        </span>
      )}
      {error && (
        <span className="media-error error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
