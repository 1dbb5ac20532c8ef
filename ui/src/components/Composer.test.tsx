import { fireEvent, render, screen } from "@testing-library/react";
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
