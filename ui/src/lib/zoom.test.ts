import { describe, expect, it } from "vitest";
import { fitWithin } from "./imageBox";
import { clampedOffset, clampScale, fitScale, MAX_SCALE, MIN_SCALE, wheelFactor, ZOOM_STEP } from "./zoom";

describe("fitWithin", () => {
  it("scales a large image down to 320 on its longer side, keeping its shape", () => {
    expect(fitWithin({ width: 4000, height: 3000 })).toEqual({ width: 320, height: 240 });
    expect(fitWithin({ width: 1000, height: 2000 })).toEqual({ width: 160, height: 320 });
  });

  it("never scales up, and keeps thin images clickable", () => {
    expect(fitWithin({ width: 100, height: 50 })).toEqual({ width: 100, height: 50 });
    expect(fitWithin({ width: 3200, height: 10 })).toEqual({ width: 320, height: 48 });
  });
});

describe("zoom", () => {
  it("fits the whole image, without enlarging a small one", () => {
    expect(fitScale({ width: 2000, height: 1000 }, { width: 1000, height: 800 })).toBe(0.5);
    expect(fitScale({ width: 200, height: 100 }, { width: 1000, height: 800 })).toBe(1);
    expect(fitScale({ width: 200, height: 100 }, { width: 0, height: 0 })).toBe(1);
  });

  it("zooms within the limits", () => {
    expect(clampScale(1.25)).toBe(1.25);
    expect(clampScale(MAX_SCALE * ZOOM_STEP)).toBe(MAX_SCALE);
    expect(clampScale(MIN_SCALE / 2)).toBe(MIN_SCALE);
  });

  it("zooms in as the wheel turns up, about a step per 100 px or 6 lines", () => {
    expect(wheelFactor({ deltaY: -100, deltaMode: 0 })).toBeCloseTo(ZOOM_STEP);
    expect(wheelFactor({ deltaY: 100, deltaMode: 0 })).toBeCloseTo(1 / ZOOM_STEP);
    expect(wheelFactor({ deltaY: -6.25, deltaMode: 1 })).toBeCloseTo(ZOOM_STEP);
  });

  it("keeps a zoomed image over the stage while panning", () => {
    const stage = { width: 400, height: 300 };
    expect(clampedOffset({ x: 500, y: -500 }, { width: 800, height: 600 }, stage)).toEqual({
      x: 200,
      y: -150,
    });
    expect(clampedOffset({ x: 50, y: 50 }, { width: 200, height: 600 }, stage)).toEqual({
      x: 0,
      y: 50,
    });
  });
});
