import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { dayLabel, msUntilMidnight } from "../lib/time";
import { useToday } from "./useToday";

// Local times, so the tests hold in any time zone.
const at = (d: number, h: number, min = 0) => new Date(2024, 2, d, h, min).getTime();

describe("useToday", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] }));
  afterEach(() => vi.useRealTimers());

  it("moves on at the next local midnight, and again the midnight after", () => {
    vi.setSystemTime(at(13, 23, 58));
    const { result } = renderHook(() => useToday());
    const yesterdayEvening = at(12, 20);
    expect(dayLabel(yesterdayEvening, result.current)).toBe("Yesterday");

    act(() => vi.advanceTimersByTime(2 * 60_000 - 1));
    expect(dayLabel(yesterdayEvening, result.current)).toBe("Yesterday");
    act(() => vi.advanceTimersByTime(1));
    expect(dayLabel(yesterdayEvening, result.current)).not.toBe("Yesterday");
    expect(dayLabel(at(13, 23, 58), result.current)).toBe("Yesterday");

    act(() => vi.advanceTimersByTime(24 * 3600_000));
    expect(dayLabel(at(13, 23, 58), result.current)).not.toBe("Yesterday");
    expect(dayLabel(at(14, 12), result.current)).toBe("Yesterday");
  });

  it("sets no timer once unmounted", () => {
    vi.setSystemTime(at(13, 12));
    const { unmount } = renderHook(() => useToday());
    expect(vi.getTimerCount()).toBe(1);
    unmount();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("catches up when the window comes back after sleeping past midnight", () => {
    vi.setSystemTime(at(13, 23));
    const { result } = renderHook(() => useToday());
    // The clock jumps (the computer slept); the timer has not fired yet.
    vi.setSystemTime(at(14, 8));
    act(() => void window.dispatchEvent(new Event("focus")));
    expect(dayLabel(at(14, 7), result.current)).toBe("Today");
  });
});

describe("msUntilMidnight", () => {
  it("counts to the next local midnight", () => {
    expect(msUntilMidnight(at(13, 23, 59))).toBe(60_000);
    expect(msUntilMidnight(at(13, 0))).toBe(new Date(2024, 2, 14).getTime() - at(13, 0));
  });
});
