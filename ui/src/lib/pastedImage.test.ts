import { describe, expect, it } from "vitest";
import { pastedImageName } from "./pastedImage";

const noon = new Date(2026, 10, 29, 12, 3);

describe("pastedImageName", () => {
  it("names a clipboard image by the time it was pasted", () => {
    expect(pastedImageName({ name: "image.png", type: "image/png" }, noon)).toBe(
      "Pasted image 2026-11-29 12.03.png",
    );
    expect(pastedImageName({ name: "", type: "image/jpeg" }, noon)).toBe(
      "Pasted image 2026-11-29 12.03.jpg",
    );
  });

  it("keeps a real file name", () => {
    expect(pastedImageName({ name: "holiday.jpg", type: "image/jpeg" }, noon)).toBe("holiday.jpg");
  });
});
