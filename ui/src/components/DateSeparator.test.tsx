import { act, render, screen } from "@testing-library/react";
import { afterEach, expect, it, vi } from "vitest";
import { DateSeparator } from "./DateSeparator";

afterEach(() => vi.useRealTimers());

it("turns Today into Yesterday at midnight while it stays on screen", () => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  vi.setSystemTime(new Date(2024, 2, 13, 23, 30));
  render(<DateSeparator ts={new Date(2024, 2, 13, 9).getTime()} />);
  expect(screen.getByRole("separator", { name: "Today" })).toBeTruthy();
  act(() => vi.advanceTimersByTime(30 * 60_000));
  expect(screen.getByRole("separator", { name: "Yesterday" })).toBeTruthy();
});
