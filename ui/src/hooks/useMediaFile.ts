import { useEffect, useState } from "react";
import { errorMessage } from "../lib/ipc";
import { knownMediaPath, mediaPath } from "../lib/mediaFiles";
import type { MediaVariant } from "../lib/protocol/core";
import type { MediaInfo } from "../lib/protocol/protocol";

/** A file's `variant` on disk: its path once there (at once if it already was), or why
 * it could not be fetched. Nothing is asked while `wanted` is false. */
export function useMediaFile(
  media: MediaInfo,
  variant: MediaVariant,
  wanted = true,
): { path: string | null; error: string | null } {
  const [path, setPath] = useState(() => knownMediaPath(media, variant));
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!wanted) return;
    let live = true;
    setError(null);
    mediaPath(media, variant).then(
      (found) => live && setPath(found),
      (e) => live && setError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
    // The id names the bytes; the rest of `media` cannot change for it.
  }, [media.id, variant, wanted]);

  return { path, error };
}
