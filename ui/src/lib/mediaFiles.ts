// Where a file's bytes are on disk, asked of the shell once per file and variant for the
// session. Rows of the message list mount and unmount as they scroll: a row coming back
// shows its thumbnail at once instead of asking again.
import { ipc } from "./ipc";
import type { MediaVariant } from "./protocol/core";
import type { MediaInfo } from "./protocol/protocol";

const known = new Map<string, string>();
const asking = new Map<string, Promise<string>>();

const keyOf = (media: MediaInfo, variant: MediaVariant) => `${media.id}/${variant}`;

/** The local path, if the shell has already given it. */
export function knownMediaPath(media: MediaInfo, variant: MediaVariant): string | null {
  return known.get(keyOf(media, variant)) ?? null;
}

/** The local path of the file's `variant`, downloading it if need be. A failure is not
 * remembered: the next call asks again. */
export function mediaPath(media: MediaInfo, variant: MediaVariant): Promise<string> {
  const key = keyOf(media, variant);
  const path = known.get(key);
  if (path) return Promise.resolve(path);
  let pending = asking.get(key);
  if (!pending) {
    pending = ipc
      .mediaFile(media, variant)
      .then((found) => {
        known.set(key, found);
        return found;
      })
      .finally(() => asking.delete(key));
    asking.set(key, pending);
  }
  return pending;
}
