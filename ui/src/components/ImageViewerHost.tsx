import { useState, type ReactNode } from "react";
import { OpenImageContext } from "../hooks/useOpenImage";
import type { MediaInfo } from "../lib/protocol/protocol";
import { ImageViewer } from "./ImageViewer";

/** Lets images inside `children` open the viewer, which it shows itself (so it outlives
 * the message row it was opened from). */
export function ImageViewerHost({ children }: { children: ReactNode }) {
  const [viewing, setViewing] = useState<MediaInfo | null>(null);
  return (
    <OpenImageContext.Provider value={setViewing}>
      {children}
      {viewing && <ImageViewer media={viewing} onClose={() => setViewing(null)} />}
    </OpenImageContext.Provider>
  );
}
