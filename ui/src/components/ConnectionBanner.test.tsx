import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionBanner } from "./ConnectionBanner";

describe("ConnectionBanner", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2025, 0, 1, 12, 0, 0));
  });
  afterEach(() => vi.useRealTimers());

  it("shows nothing when online", () => {
    const { container } = render(<ConnectionBanner state={{ state: "online" }} />);
    expect(container.textContent).toBe("");
  });

  it("counts down to the next attempt", () => {
    const retryAt = Date.now() + 5000;
    render(<ConnectionBanner state={{ state: "offline", retry_at: retryAt, reason: "refused" }} />);
    expect(screen.getByRole("status").textContent).toBe("Offline — reconnecting in 5 s");
    act(() => {
      vi.advanceTimersByTime(2000);
    });
    expect(screen.getByRole("status").textContent).toBe("Offline — reconnecting in 3 s");
    act(() => {
      vi.advanceTimersByTime(4000);
    });
    expect(screen.getByRole("status").textContent).toBe("Offline — reconnecting…");
  });

  it("says when it is connecting", () => {
    render(<ConnectionBanner state={{ state: "connecting" }} />);
    expect(screen.getByRole("status").textContent).toBe("Connecting…");
  });
});
