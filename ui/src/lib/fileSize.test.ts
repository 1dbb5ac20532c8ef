import { describe, expect, it } from "vitest";
import { formatBytes } from "./fileSize";

describe("formatBytes", () => {
  it("counts bytes under a kilobyte", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1023)).toBe("1023 bytes");
  });

  it("keeps one decimal below 10 and drops a trailing .0", () => {
    expect(formatBytes(1024)).toBe("1 KB");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(1.2 * 1024 * 1024)).toBe("1.2 MB");
  });

  it("rounds larger numbers to whole units", () => {
    expect(formatBytes(340 * 1024 + 300)).toBe("340 KB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25 MB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3 GB");
  });

  it("moves up a unit rather than saying 1024", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1 MB");
  });
});
