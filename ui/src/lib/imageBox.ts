// Sizes for images shown in messages.

export type Size = { width: number; height: number };

/** The largest a lone image shows in a bubble, either way (CSS px). */
export const IMAGE_BOX_MAX = 320;
/** The smallest side a very thin image keeps, so it can still be seen and clicked. */
const IMAGE_BOX_MIN = 48;

/** `image` scaled down (never up) to fit a `max` × `max` square, keeping its shape; a
 * very thin one keeps a side of at least `IMAGE_BOX_MIN` (and is cropped to fit). */
export function fitWithin(image: Size, max = IMAGE_BOX_MAX): Size {
  const scale = Math.min(1, max / image.width, max / image.height);
  return {
    width: Math.max(IMAGE_BOX_MIN, Math.round(image.width * scale)),
    height: Math.max(IMAGE_BOX_MIN, Math.round(image.height * scale)),
  };
}
