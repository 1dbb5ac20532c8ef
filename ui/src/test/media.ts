// Builders for the attachment tests: files as the server describes them.
import { rgbaToThumbHash } from "thumbhash";
import type { MediaInfo } from "../lib/protocol/protocol";

/** A PDF of `size` bytes. */
export function pdf(id: string, size = 1000, name = "Report.pdf"): MediaInfo {
  return { id, name, size, content_type: "application/pdf", sha256: "00", has_thumbnail: false };
}

/** A ThumbHash (base64) of a small orange image. */
export function thumbHash(): string {
  const w = 4;
  const h = 3;
  const rgba = new Uint8Array(w * h * 4).map((_, i) => [240, 140, 40, 255][i % 4]);
  return btoa(String.fromCharCode(...rgbaToThumbHash(w, h, rgba)));
}

/** A 4000 × 3000 photo with a placeholder and a thumbnail, unless told otherwise. */
export function photo(id: string, over: Partial<MediaInfo> = {}): MediaInfo {
  return {
    id,
    name: "Beach.jpg",
    size: 2_500_000,
    content_type: "image/jpeg",
    sha256: "00",
    width: 4000,
    height: 3000,
    placeholder: thumbHash(),
    has_thumbnail: true,
    ...over,
  };
}
