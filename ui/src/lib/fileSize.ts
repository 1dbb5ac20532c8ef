// File sizes for people: "340 KB", "1.2 MB". Binary units (1 KB = 1024 bytes), as the
// server's limits are set, so a 25 MiB limit reads "25 MB".

const UNITS = ["KB", "MB", "GB", "TB"];

/** `bytes` in the largest unit that keeps the number at least 1: one decimal below 10
 * ("1.2 MB"), whole numbers above ("12 MB"); "1 byte", "800 bytes" under a kilobyte. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return bytes === 1 ? "1 byte" : `${Math.max(0, Math.round(bytes))} bytes`;
  let value = bytes;
  let unit = -1;
  do {
    value /= 1024;
    unit += 1;
  } while (value >= 1024 && unit < UNITS.length - 1);
  // Rounding 1023.96 KB up would read "1024 KB": say "1 MB" instead.
  if (Math.round(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value < 10 ? Math.round(value * 10) / 10 : Math.round(value);
  return `${shown} ${UNITS[unit]}`;
}
