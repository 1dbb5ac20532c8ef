import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { emojiKey } from "../lib/reactions";
import { EmojiPicker } from "./EmojiPicker";

async function open() {
  const onPick = vi.fn();
  const onClose = vi.fn();
  render(<EmojiPicker onPick={onPick} onClose={onClose} />);
  const dialog = screen.getByRole("dialog", { name: "Emoji picker" });
  // The catalog arrives from the bundle a moment later.
  await waitFor(() => expect(dialog.querySelector(".emoji-option")).not.toBeNull());
  return { dialog, onPick, onClose };
}

describe("EmojiPicker", () => {
  beforeEach(() => localStorage.clear());

  it("opens with the search box focused on the smileys", async () => {
    const { dialog } = await open();
    const search = within(dialog).getByRole("searchbox", { name: "Search emoji" });
    expect(document.activeElement).toBe(search);
    expect(
      within(dialog)
        .getByRole("button", { name: "Smileys & emotion" })
        .getAttribute("aria-pressed"),
    ).toBe("true");
  });

  it("finds an emoji by name and picks it", async () => {
    const { dialog, onPick } = await open();
    fireEvent.change(within(dialog).getByRole("searchbox"), { target: { value: "thumbs up" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Thumbs up" }));
    expect(emojiKey(onPick.mock.calls[0][0])).toBe("👍");
  });

  it("says so when nothing matches", async () => {
    const { dialog } = await open();
    fireEvent.change(within(dialog).getByRole("searchbox"), { target: { value: "qqqzzz" } });
    expect(within(dialog).getByText("No emoji found")).toBeTruthy();
  });

  it("switches category", async () => {
    const { dialog } = await open();
    fireEvent.click(within(dialog).getByRole("button", { name: "Food & drink" }));
    expect(within(dialog).getByRole("button", { name: "Red apple" })).toBeTruthy();
    expect(within(dialog).queryByRole("button", { name: "Grinning face" })).toBeNull();
  });

  it("works from the keyboard: ↓ into the grid, arrows to move, Enter to pick, Escape to close", async () => {
    const { dialog, onPick, onClose } = await open();
    const search = within(dialog).getByRole("searchbox");
    fireEvent.keyDown(search, { key: "ArrowDown" });
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Grinning face");
    fireEvent.keyDown(document.activeElement!, { key: "ArrowRight" });
    const second = document.activeElement as HTMLButtonElement;
    expect(second.getAttribute("aria-label")).toBe("Grinning face with big eyes");
    expect(second.tabIndex).toBe(0);
    fireEvent.click(second);
    expect(onPick).toHaveBeenCalledWith("😃");
    fireEvent.keyDown(second, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });

  it("picks the first result with Enter in the search box", async () => {
    const { dialog, onPick } = await open();
    const search = within(dialog).getByRole("searchbox");
    fireEvent.change(search, { target: { value: "pizza" } });
    fireEvent.keyDown(search, { key: "Enter" });
    expect(onPick).toHaveBeenCalledWith("🍕");
  });

  it("offers what I used recently first, next time", async () => {
    const first = await open();
    fireEvent.change(within(first.dialog).getByRole("searchbox"), { target: { value: "pizza" } });
    fireEvent.keyDown(within(first.dialog).getByRole("searchbox"), { key: "Enter" });
    cleanup();
    const { dialog } = await open();
    expect(
      within(dialog).getByRole("button", { name: "Recently used" }).getAttribute("aria-pressed"),
    ).toBe("true");
    expect(within(dialog).getByRole("group", { name: "Recently used" }).textContent).toBe("🍕");
  });

  it("applies the chosen skin tone to the emoji that take one, and remembers it", async () => {
    const first = await open();
    const tones = within(first.dialog).getByRole("radiogroup", { name: "Skin tone" });
    expect(within(tones).getAllByRole("radio")).toHaveLength(6);
    expect(
      within(tones).getByRole("radio", { name: "Default skin tone" }).getAttribute("aria-checked"),
    ).toBe("true");
    fireEvent.click(within(tones).getByRole("radio", { name: "Medium skin tone" }));
    fireEvent.change(within(first.dialog).getByRole("searchbox"), { target: { value: "thumbs up" } });
    const thumbs = within(first.dialog).getByRole("button", { name: "Thumbs up" });
    expect(thumbs.textContent).toBe("👍🏽");
    fireEvent.click(thumbs);
    expect(first.onPick).toHaveBeenCalledWith("👍🏽");
    // Emoji without tones stay as they are.
    fireEvent.change(within(first.dialog).getByRole("searchbox"), { target: { value: "pizza" } });
    expect(within(first.dialog).getByRole("button", { name: "Pizza" }).textContent).toBe("🍕");
    cleanup();

    const { dialog } = await open();
    expect(
      within(dialog).getByRole("radio", { name: "Medium skin tone" }).getAttribute("aria-checked"),
    ).toBe("true");
    // Recently used keeps following the tone.
    expect(within(dialog).getByRole("group", { name: "Recently used" }).textContent).toBe("👍🏽");
  });

  it("chooses the skin tone from the keyboard: the chosen one is the tab stop, arrows move", async () => {
    const { dialog } = await open();
    const light = within(dialog).getByRole("radio", { name: "Default skin tone" });
    expect(light.tabIndex).toBe(0);
    light.focus();
    fireEvent.keyDown(light, { key: "ArrowRight" });
    const chosen = within(dialog).getByRole("radio", { name: "Light skin tone" });
    expect(chosen.getAttribute("aria-checked")).toBe("true");
    expect(document.activeElement).toBe(chosen);
    fireEvent.keyDown(chosen, { key: "ArrowLeft" });
    fireEvent.keyDown(document.activeElement!, { key: "ArrowLeft" });
    expect(within(dialog).getByRole("radio", { name: "Dark skin tone" }).getAttribute("aria-checked")).toBe(
      "true",
    );
  });
});
