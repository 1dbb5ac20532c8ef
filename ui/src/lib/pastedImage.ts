// Names for images pasted from the clipboard, which mostly come as "image.png".

/** Names a browser or OS gives clipboard images, which say nothing. */
const MEANINGLESS = /^(image|blob|clipboard|pasted|untitled|screenshot)?(\.[a-z0-9]+)?$/i;

const EXTENSION_BY_TYPE: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/avif": "avif",
  "image/bmp": "bmp",
  "image/tiff": "tiff",
};

const twoDigits = (n: number) => String(n).padStart(2, "0");

/** The file's own name when it has a useful one, else "Pasted image 2026-11-29
 * 12.03.png" (local time; dots in the time, as colons are not allowed in file names
 * everywhere). */
export function pastedImageName(file: { name: string; type: string }, now: Date): string {
  if (file.name && !MEANINGLESS.test(file.name)) return file.name;
  const extension =
    EXTENSION_BY_TYPE[file.type] ?? /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? "png";
  const date = `${now.getFullYear()}-${twoDigits(now.getMonth() + 1)}-${twoDigits(now.getDate())}`;
  const time = `${twoDigits(now.getHours())}.${twoDigits(now.getMinutes())}`;
  return `Pasted image ${date} ${time}.${extension}`;
}
