import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { useElementSize } from "../hooks/useElementSize";
import { useMediaFile } from "../hooks/useMediaFile";
import { useZoomPan } from "../hooks/useZoomPan";
import { formatBytes } from "../lib/fileSize";
import { fileUrl } from "../lib/ipc";
import { placeholderUrl } from "../lib/placeholder";
import type { MediaInfo } from "../lib/protocol/protocol";
import { wheelFactor, ZOOM_STEP } from "../lib/zoom";
import { Dialog } from "./Dialog";
import { Icon } from "./Icon";
import { MediaButtons } from "./MediaButtons";

/** How far an arrow key moves a zoomed image (CSS px). */
const ARROW_PAN = 48;

type Props = { media: MediaInfo; onClose: () => void };

/**
 * One image, large: fitted to the window at first, with zoom buttons, the mouse wheel and
 * + / - / 0 to zoom, dragging (or the arrows) to move around a zoomed image, and Open and
 * Save…. The thumbnail (or the placeholder) stands in, scaled, until the full image has
 * loaded.
 */
export function ImageViewer({ media, onClose }: Props) {
  const stage = useRef<HTMLDivElement>(null);
  const stageSize = useElementSize(stage);
  const image = { width: media.width || 1, height: media.height || 1 };
  const view = useZoomPan(image, stageSize);
  const full = useMediaFile(media, "content");
  const thumbnail = useMediaFile(media, "thumbnail", media.has_thumbnail);
  const placeholder = useMemo(() => placeholderUrl(media.placeholder), [media.placeholder]);
  const [loaded, setLoaded] = useState(false);
  const preview = thumbnail.path ? fileUrl(thumbnail.path) : placeholder;
  const drag = useRef<{ x: number; y: number } | null>(null);

  // React listens to wheel events passively: a native listener may keep the page still.
  const zoomBy = useRef(view.zoomBy);
  zoomBy.current = view.zoomBy;
  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      zoomBy.current(wheelFactor(e));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    const pan: Record<string, [number, number]> = {
      ArrowLeft: [ARROW_PAN, 0],
      ArrowRight: [-ARROW_PAN, 0],
      ArrowUp: [0, ARROW_PAN],
      ArrowDown: [0, -ARROW_PAN],
    };
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "+" || e.key === "=") view.zoomBy(ZOOM_STEP);
    else if (e.key === "-") view.zoomBy(1 / ZOOM_STEP);
    else if (e.key === "0") view.fit();
    else if (pan[e.key] && view.pannable) view.panBy(...pan[e.key]);
    else return;
    e.preventDefault();
  }

  function onPointerDown(e: PointerEvent<HTMLDivElement>) {
    if (!view.pannable || e.button !== 0) return;
    drag.current = { x: e.clientX, y: e.clientY };
    e.currentTarget.setPointerCapture?.(e.pointerId);
  }

  function onPointerMove(e: PointerEvent<HTMLDivElement>) {
    if (!drag.current) return;
    view.panBy(e.clientX - drag.current.x, e.clientY - drag.current.y);
    drag.current = { x: e.clientX, y: e.clientY };
  }

  const percent = Math.round(view.scale * 100);

  return (
    <Dialog title={media.name} className="image-viewer" onClose={onClose} onKeyDown={onKeyDown}>
      <div className="image-viewer-bar">
        <span className="image-viewer-info muted small">
          {formatBytes(media.size)} · {image.width} × {image.height}
        </span>
        <div className="image-viewer-zoom" role="group" aria-label="Zoom">
          <button
            type="button"
            className="icon-button"
            aria-label="Zoom out"
            title="Zoom out (−)"
            onClick={() => view.zoomBy(1 / ZOOM_STEP)}
          >
            <Icon name="zoom-out" />
          </button>
          <output className="image-viewer-scale" aria-label="Zoom level">
            {percent}%
          </output>
          <button
            type="button"
            className="icon-button"
            aria-label="Zoom in"
            title="Zoom in (+)"
            onClick={() => view.zoomBy(ZOOM_STEP)}
          >
            <Icon name="zoom-in" />
          </button>
          <button
            type="button"
            className="ghost"
            aria-pressed={view.zoom === "fit"}
            title="Fit to the window (0)"
            onClick={view.fit}
          >
            Fit
          </button>
          <button
            type="button"
            className="ghost"
            aria-pressed={view.zoom === 1}
            title="Actual size"
            onClick={view.actualSize}
          >
            100%
          </button>
        </div>
        <MediaButtons media={media} />
      </div>
      <div
        ref={stage}
        className="image-viewer-stage"
        data-stage={loaded ? "full" : "preview"}
        data-zoom={view.zoom === "fit" ? "fit" : percent}
        data-pannable={view.pannable}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={() => (drag.current = null)}
        onPointerCancel={() => (drag.current = null)}
      >
        <div
          className="image-viewer-canvas"
          style={{
            width: view.shown.width,
            height: view.shown.height,
            transform: `translate(${view.offset.x}px, ${view.offset.y}px)`,
          }}
        >
          {preview && !loaded && (
            <img className="image-viewer-preview" src={preview} alt="" draggable={false} />
          )}
          {full.path && (
            <img
              className="image-viewer-full"
              src={fileUrl(full.path)}
              alt={media.name}
              draggable={false}
              data-loaded={loaded}
              onLoad={() => setLoaded(true)}
            />
          )}
        </div>
        {full.error && (
          <p className="image-viewer-error error small" role="alert">
            {full.error}
          </p>
        )}
      </div>
    </Dialog>
  );
}
