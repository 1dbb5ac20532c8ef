import { act, fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DesktopSettings } from "../lib/protocol/desktop";

const shell = vi.hoisted(() => ({
  settings: null as DesktopSettings | null,
  onSettings: null as ((settings: DesktopSettings) => void) | null,
}));
const ipc = vi.hoisted(() => ({
  desktopSettings: vi.fn(async () => shell.settings!),
  setDesktopSettings: vi.fn(async (next: DesktopSettings) => next),
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: (e: { message: string }) => e.message,
  onDesktopEvent: async (name: string, handler: (settings: DesktopSettings) => void) => {
    if (name === "desktop-settings") shell.onSettings = handler;
    return () => {};
  },
}));

import { DesktopSettingsForm } from "./DesktopSettingsForm";

const DEFAULTS: DesktopSettings = {
  do_not_disturb: false,
  hide_previews: false,
  sound: true,
  close_to_tray: true,
  start_at_login: false,
};

const box = (name: string) => document.querySelector(`input[name=${name}]`) as HTMLInputElement;

async function renderForm() {
  render(<DesktopSettingsForm />);
  await act(async () => {});
}

describe("DesktopSettingsForm", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    shell.settings = { ...DEFAULTS };
  });

  it("shows the settings in two labelled groups", async () => {
    await renderForm();
    expect(screen.getByRole("group", { name: "Notifications" })).toBeTruthy();
    expect(screen.getByRole("group", { name: "Window" })).toBeTruthy();
    expect(screen.getByRole("checkbox", { name: "Do not disturb" })).toBe(box("do_not_disturb"));
    expect(box("do_not_disturb").checked).toBe(false);
    expect(screen.getByRole("checkbox", { name: "Show message previews" }).getAttribute("name")).toBe(
      "show_previews",
    );
    expect(box("show_previews").checked).toBe(true);
    expect(box("sound").checked).toBe(true);
    expect(screen.getByRole("checkbox", { name: "Keep running in the tray when closed" })).toBe(
      box("close_to_tray"),
    );
    expect(screen.getByRole("checkbox", { name: "Start Tidings at login" })).toBe(box("start_at_login"));
  });

  it("saves each change, previews as the inverse of hide_previews", async () => {
    await renderForm();
    await act(async () => fireEvent.click(box("show_previews")));
    expect(ipc.setDesktopSettings).toHaveBeenLastCalledWith({ ...DEFAULTS, hide_previews: true });
    expect(box("show_previews").checked).toBe(false);
    await act(async () => fireEvent.click(box("do_not_disturb")));
    expect(ipc.setDesktopSettings).toHaveBeenLastCalledWith({
      ...DEFAULTS,
      hide_previews: true,
      do_not_disturb: true,
    });
    expect(box("do_not_disturb").checked).toBe(true);
  });

  it("shows what the shell made of a change", async () => {
    ipc.setDesktopSettings.mockImplementationOnce(async (next) => ({ ...next, sound: true }));
    await renderForm();
    await act(async () => fireEvent.click(box("sound")));
    expect(box("sound").checked).toBe(true);
  });

  it("keeps the old value and says why when a change is refused", async () => {
    ipc.setDesktopSettings.mockRejectedValueOnce({
      code: "unsupported",
      message: "Starting at login is not available on this system.",
    });
    await renderForm();
    await act(async () => fireEvent.click(box("start_at_login")));
    expect(box("start_at_login").checked).toBe(false);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe("Starting at login is not available on this system.");
    expect(box("start_at_login").getAttribute("aria-describedby")).toBe(alert.id);
    // The next change clears it.
    await act(async () => fireEvent.click(box("start_at_login")));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(box("start_at_login").checked).toBe(true);
  });

  it("follows changes made elsewhere (the tray's do-not-disturb)", async () => {
    await renderForm();
    act(() => shell.onSettings?.({ ...DEFAULTS, do_not_disturb: true }));
    expect(box("do_not_disturb").checked).toBe(true);
  });
});
