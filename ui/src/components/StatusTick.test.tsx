import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { StatusTick } from "./StatusTick";

describe("StatusTick", () => {
  it("names each state for screen readers", () => {
    const names = {
      pending: "Sending",
      failed: "Not sent",
      sent: "Sent",
      delivered: "Delivered",
      read: "Read",
    } as const;
    for (const [state, name] of Object.entries(names)) {
      const { unmount } = render(<StatusTick state={state as keyof typeof names} />);
      expect(screen.getByRole("img", { name }).getAttribute("title")).toBe(name);
      unmount();
    }
  });

  it("draws one check when sent and two when delivered or read", () => {
    const checks = (state: "sent" | "delivered" | "read") => {
      const { container, unmount } = render(<StatusTick state={state} />);
      const n = container.querySelectorAll("path").length;
      unmount();
      return n;
    };
    expect(checks("sent")).toBe(1);
    expect(checks("delivered")).toBe(2);
    expect(checks("read")).toBe(2);
  });

  it("marks a failed send for styling", () => {
    render(<StatusTick state="failed" />);
    expect(screen.getByRole("img", { name: "Not sent" }).className).toContain("tick-failed");
  });
});
