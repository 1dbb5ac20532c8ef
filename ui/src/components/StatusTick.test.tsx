import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { StatusTick } from "./StatusTick";

describe("StatusTick", () => {
  it("names each status for screen readers", () => {
    render(<StatusTick status="pending" />);
    expect(screen.getByRole("img", { name: "Sending" })).toBeTruthy();
  });

  it("marks a failed send", () => {
    render(<StatusTick status="failed" />);
    expect(screen.getByRole("img", { name: "Not sent" }).className).toContain("tick-failed");
  });
});
