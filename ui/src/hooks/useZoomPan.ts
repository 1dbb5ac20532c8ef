import { useCallback, useState } from "react";
import type { Size } from "../lib/imageBox";
import { clampedOffset, clampScale, fitScale, type Offset, type Zoom } from "../lib/zoom";

/**
 * The image viewer's zoom (fitted by default) and pan. Zooming keeps the point at the
 * stage's centre where it was; the pan never lets the image leave a gap at an edge it
 * overflows.
 */
export function useZoomPan(image: Size, stage: Size) {
  const [zoom, setZoom] = useState<Zoom>("fit");
  const [rawOffset, setOffset] = useState<Offset>({ x: 0, y: 0 });
  const scale = zoom === "fit" ? fitScale(image, stage) : zoom;
  const shown: Size = { width: image.width * scale, height: image.height * scale };
  const offset = clampedOffset(rawOffset, shown, stage);

  const zoomTo = useCallback(
    (next: number) => {
      const clamped = clampScale(next);
      const ratio = clamped / scale;
      setZoom(clamped);
      setOffset({ x: offset.x * ratio, y: offset.y * ratio });
    },
    [scale, offset.x, offset.y],
  );

  return {
    zoom,
    scale,
    /** The image's size on screen. */
    shown,
    offset,
    /** Whether it overflows the stage, and so can be dragged. */
    pannable: shown.width > stage.width + 0.5 || shown.height > stage.height + 0.5,
    zoomBy: (factor: number) => zoomTo(scale * factor),
    actualSize: () => zoomTo(1),
    fit: () => {
      setZoom("fit");
      setOffset({ x: 0, y: 0 });
    },
    panBy: (dx: number, dy: number) =>
      setOffset((old) => {
        const from = clampedOffset(old, shown, stage);
        return clampedOffset({ x: from.x + dx, y: from.y + dy }, shown, stage);
      }),
  };
}
