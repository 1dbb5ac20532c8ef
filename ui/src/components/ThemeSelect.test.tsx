import { fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { THEME_KEY } from "../lib/theme";
import { ThemeSelect } from "./ThemeSelect";

describe("ThemeSelect", () => {
  beforeEach(() => {
    localStorage.clear();
    document.documentElement.removeAttribute("data-theme");
  });

  it("switches the app to dark at once and remembers it", () => {
    render(<ThemeSelect />);
    const select = screen.getByRole("combobox", { name: "Theme" }) as HTMLSelectElement;
    expect(select.value).toBe("system");
    fireEvent.change(select, { target: { value: "dark" } });
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem(THEME_KEY)).toBe("dark");
  });

  it("shows the remembered choice, and System hands back to the OS", () => {
    localStorage.setItem(THEME_KEY, "light");
    render(<ThemeSelect />);
    const select = screen.getByRole("combobox", { name: "Theme" }) as HTMLSelectElement;
    expect(select.value).toBe("light");
    fireEvent.change(select, { target: { value: "system" } });
    // jsdom has no colour-scheme preference: the system's choice reads as light.
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
  });
});
