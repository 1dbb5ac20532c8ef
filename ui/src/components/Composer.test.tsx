import { fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";

const ipc = vi.hoisted(() => ({
  draft: vi.fn(async () => null as string | null),
  setDraft: vi.fn(async () => {}),
  setTyping: vi.fn(async () => {}),
  sendMessage: vi.fn(async () => "client-id"),
}));
vi.mock("../lib/ipc", () => ({ ipc, errorMessage: (e: unknown) => String(e) }));

import { Composer } from "./Composer";

describe("Composer", () => {
  beforeEach(() => vi.clearAllMocks());

  it("sends on Enter and clears", () => {
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "hello there" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(ipc.sendMessage).toHaveBeenCalledWith("c1", "hello there");
    expect(box.value).toBe("");
  });

  it("does not send on Shift+Enter", () => {
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" });
    fireEvent.change(box, { target: { value: "line one" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(ipc.sendMessage).not.toHaveBeenCalled();
  });

  it("loads the conversation's draft", async () => {
    ipc.draft.mockResolvedValueOnce("half a thought");
    render(<Composer conversationId="c1" />);
    const box = (await screen.findByDisplayValue("half a thought")) as HTMLTextAreaElement;
    expect(box.value).toBe("half a thought");
    expect(ipc.draft).toHaveBeenCalledWith("c1");
  });

  it("tells the conversation I am typing", () => {
    render(<Composer conversationId="c1" />);
    fireEvent.change(screen.getByRole("textbox", { name: "Message" }), {
      target: { value: "h" },
    });
    expect(ipc.setTyping).toHaveBeenCalledWith("c1", true);
  });
});

describe("Composer emoji", () => {
  beforeEach(() => vi.clearAllMocks());

  it("inserts the picked emoji at the caret", async () => {
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "hello world" } });
    box.setSelectionRange(5, 5);
    fireEvent.click(screen.getByRole("button", { name: "Insert emoji" }));
    const picker = screen.getByRole("dialog", { name: "Emoji picker" });
    fireEvent.change(within(picker).getByRole("searchbox"), { target: { value: "waving hand" } });
    fireEvent.click(await within(picker).findByRole("button", { name: "Waving hand" }));
    expect(box.value).toBe("hello👋 world");
    expect(box.selectionStart).toBe(5 + "👋".length);
    expect(document.activeElement).toBe(box);
    expect(screen.queryByRole("dialog", { name: "Emoji picker" })).toBeNull();
  });

  it("closes the picker with Escape and goes back to the text", () => {
    render(<Composer conversationId="c1" />);
    fireEvent.click(screen.getByRole("button", { name: "Insert emoji" }));
    fireEvent.keyDown(screen.getByRole("searchbox", { name: "Search emoji" }), { key: "Escape" });
    expect(screen.queryByRole("dialog", { name: "Emoji picker" })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "Message" }));
  });

  it("says why a send was refused and gives the text back", async () => {
    ipc.sendMessage.mockRejectedValueOnce("offline");
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "hi" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toBe("offline");
    expect(box.value).toBe("hi");
  });
});
