// An image's blurred stand-in, painted from the few bytes of its ThumbHash before any
// download.
import { thumbHashToDataURL } from "thumbhash";

/** Standard base64 (as the server sends it) to bytes. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The placeholder as a PNG data URL, or null when there is none or it will not decode
 * (a neutral box is shown then). */
export function placeholderUrl(thumbHash: string | null | undefined): string | null {
  if (!thumbHash) return null;
  try {
    return thumbHashToDataURL(base64ToBytes(thumbHash));
  } catch {
    return null;
  }
}
