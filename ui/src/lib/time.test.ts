import { describe, expect, it } from "vitest";
import { dayKey, dayLabel, daysBefore } from "./time";

// Local times, so the tests hold in any time zone.
const at = (y: number, m: number, d: number, h = 12, min = 0) =>
  new Date(y, m - 1, d, h, min).getTime();
// Wednesday 13 March 2024, 09:00.
const now = at(2024, 3, 13, 9);

describe("dayLabel", () => {
  it("says Today and Yesterday by calendar day, not by 24 hours", () => {
    expect(dayLabel(at(2024, 3, 13, 0, 5), now, "en-GB")).toBe("Today");
    expect(dayLabel(at(2024, 3, 12, 23, 50), now, "en-GB")).toBe("Yesterday");
    expect(dayLabel(at(2024, 3, 12, 0, 1), now, "en-GB")).toBe("Yesterday");
  });

  it("names the weekday within the last week", () => {
    expect(dayLabel(at(2024, 3, 11), now, "en-GB")).toBe("Monday");
    expect(dayLabel(at(2024, 3, 7), now, "en-GB")).toBe("Thursday");
  });

  it("gives the date a week or more back, with the year only when it differs", () => {
    // ICU versions differ in punctuation, so only the parts are checked.
    const lastWeek = dayLabel(at(2024, 3, 6), now, "en-GB");
    expect(lastWeek).toMatch(/Wed.*6 March/);
    expect(lastWeek).not.toContain("2024");
    expect(dayLabel(at(2023, 12, 25), now, "en-GB")).toMatch(/Mon.*25 December.*2023/);
  });
});

describe("dayKey and daysBefore", () => {
  it("tell two times of one day apart from the next day", () => {
    expect(dayKey(at(2024, 3, 13, 0, 1))).toBe(dayKey(at(2024, 3, 13, 23, 59)));
    expect(dayKey(at(2024, 3, 13))).not.toBe(dayKey(at(2024, 3, 14)));
    expect(daysBefore(at(2024, 2, 28), at(2024, 3, 1))).toBe(2); // a leap year
  });
});
