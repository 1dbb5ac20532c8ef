import { beforeEach, describe, expect, it } from "vitest";
import { THEME_KEY, applyTheme, storeTheme, storedTheme } from "./theme";

describe("theme", () => {
  beforeEach(() => {
    localStorage.clear();
    document.documentElement.removeAttribute("data-theme");
  });

  it("follows the system until someone chooses", () => {
    expect(storedTheme()).toBe("system");
  });

  it("remembers a choice across restarts", () => {
    storeTheme("dark");
    expect(storedTheme()).toBe("dark");
    storeTheme("system");
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
    expect(storedTheme()).toBe("system");
  });

  it("ignores a stored value it does not know", () => {
    localStorage.setItem(THEME_KEY, "sepia");
    expect(storedTheme()).toBe("system");
  });

  it("survives storage that throws", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {},
    };
    expect(storedTheme(broken)).toBe("system");
    expect(() => storeTheme("light", broken)).not.toThrow();
  });

  it("marks the page light or dark, and for System whatever the system prefers", () => {
    const root = document.documentElement;
    applyTheme("dark", root, false);
    expect(root.dataset.theme).toBe("dark");
    applyTheme("light", root, true);
    expect(root.dataset.theme).toBe("light");
    applyTheme("system", root, true);
    expect(root.dataset.theme).toBe("dark");
    applyTheme("system", root, false);
    expect(root.dataset.theme).toBe("light");
  });
});
