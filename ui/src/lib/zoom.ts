// The image viewer's zoom and pan arithmetic. A scale of 1 is the image's own pixels.
import type { Size } from "./imageBox";

/** Each zoom step (a button, a key) multiplies or divides the scale by this. */
export const ZOOM_STEP = 1.25;
export const MIN_SCALE = 0.05;
export const MAX_SCALE = 8;

/** How the image is shown: fitted to the window, or at a chosen scale. */
export type Zoom = "fit" | number;

/** The scale that shows the whole image in `stage` (never above 1: small images stay
 * sharp at their own size). Until the stage is measured, 1. */
export function fitScale(image: Size, stage: Size): number {
  if (stage.width <= 0 || stage.height <= 0) return 1;
  return Math.min(1, stage.width / image.width, stage.height / image.height);
}

/** `scale`, within the limits. */
export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/** How much one wheel event zooms: in proportion to how far the wheel turned, so a
 * touchpad's many small events zoom as smoothly as a mouse wheel's few big ones
 * (100 px of wheel is about one step). Up zooms in. */
export function wheelFactor(e: { deltaY: number; deltaMode: number }): number {
  // deltaMode 1 counts lines (Firefox's mouse wheel), 2 pages.
  const pixels = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
  return ZOOM_STEP ** (-pixels / 100);
}

export type Offset = { x: number; y: number };

/** The pan offset (of the image's centre from the stage's) kept so the image never
 * leaves a gap at an edge it overflows; centred on an axis it does not overflow. */
export function clampedOffset(offset: Offset, shown: Size, stage: Size): Offset {
  const limitX = Math.max(0, (shown.width - stage.width) / 2);
  const limitY = Math.max(0, (shown.height - stage.height) / 2);
  return {
    x: Math.min(limitX, Math.max(-limitX, offset.x)),
    y: Math.min(limitY, Math.max(-limitY, offset.y)),
  };
}
