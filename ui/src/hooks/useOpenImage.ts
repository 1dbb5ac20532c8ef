import { createContext, useContext } from "react";
import type { MediaInfo } from "../lib/protocol/protocol";

/** Opens an image in the viewer. Provided by `ImageViewerHost`, which keeps the viewer
 * outside the message list: a row there may unmount as the list scrolls or grows. */
export const OpenImageContext = createContext<((media: MediaInfo) => void) | null>(null);

/** The viewer's opener, or null outside an `ImageViewerHost` (images do not open then). */
export function useOpenImage(): ((media: MediaInfo) => void) | null {
  return useContext(OpenImageContext);
}
