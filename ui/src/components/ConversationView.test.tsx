import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CachedMessage, CoreEvent } from "../lib/protocol/core";
import { conversation, messages } from "../test/fixtures";
import { installFakeLayout } from "../test/layout";

const core = vi.hoisted(() => ({
  log: [] as CachedMessage[],
  handlers: [] as ((e: CoreEvent) => void)[],
}));
const ipc = vi.hoisted(() => ({
  page: vi.fn(async (_id: string, before: number | null, limit: number) => {
    const below = core.log.filter((m) => m.seq !== null && (before === null || m.seq < before));
    return below.slice(Math.max(0, below.length - limit));
  }),
  markRead: vi.fn(async () => {}),
  draft: vi.fn(async () => null),
  setDraft: vi.fn(async () => {}),
  setTyping: vi.fn(async () => {}),
  sendMessage: vi.fn(async () => "client-new"),
  react: vi.fn(async () => {}),
  editMessage: vi.fn(async () => {}),
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: String,
  onCoreEvent: async (handler: (e: CoreEvent) => void) => {
    core.handlers.push(handler);
    return () => {
      core.handlers = core.handlers.filter((h) => h !== handler);
    };
  },
}));

import { ConversationView } from "./ConversationView";

installFakeLayout();

const me = { id: "me", username: "me", display_name: "Me Myself" };

describe("ConversationView", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    core.handlers = [];
    core.log = messages(1, 300);
  });

  it("shows the header actions it is given", () => {
    render(
      <ConversationView
        me={me}
        conversation={conversation()}
        headerActions={<button type="button">Search in conversation</button>}
      />,
    );
    expect(screen.getByRole("heading", { name: "Friends" })).toBeTruthy();
    expect(
      screen.getByRole("button", { name: "Search in conversation" }).closest("header"),
    ).not.toBeNull();
  });

  it("jumps to an old message: loads back to it and highlights it", async () => {
    render(<ConversationView me={me} conversation={conversation()} focus={{ seq: 20, key: 1 }} />);
    await waitFor(() =>
      expect(document.querySelector('.bubble[data-seq="20"]')?.classList.contains("focused")).toBe(
        true,
      ),
    );
    // The newest page came first, then older ones before seq 20.
    expect(ipc.page).toHaveBeenCalledWith("c1", null, expect.any(Number));
    expect(ipc.page.mock.calls.some(([, before]) => before !== null && before > 20)).toBe(true);
  });

  it("marks the newest message read when it is on screen", async () => {
    render(<ConversationView me={me} conversation={conversation()} />);
    await waitFor(() => expect(ipc.markRead).toHaveBeenCalledWith("c1", 300));
  });

  it("goes to the newest message after I send one", async () => {
    render(<ConversationView me={me} conversation={conversation()} />);
    await waitFor(() => expect(document.querySelector('.bubble[data-seq="300"]')).not.toBeNull());
    const log = screen.getByRole("log", { name: "Messages" });
    act(() => {
      log.scrollTop = 0;
      fireEvent.scroll(log);
    });
    expect(document.querySelector('.bubble[data-seq="300"]')).toBeNull();
    const box = screen.getByRole("textbox", { name: "Message" });
    fireEvent.change(box, { target: { value: "back to now" } });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(document.querySelector('.bubble[data-seq="300"]')).not.toBeNull());
    expect(ipc.sendMessage).toHaveBeenCalledWith("c1", "back to now", []);
  });

  describe("↑ in the empty composer", () => {
    async function ready() {
      render(<ConversationView me={me} conversation={conversation()} />);
      await waitFor(() => expect(document.querySelector('.bubble[data-seq="300"]')).not.toBeNull());
      const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
      box.focus();
      return box;
    }

    it("opens the editor on my last message; Escape goes back to the composer", async () => {
      const box = await ready();
      fireEvent.keyDown(box, { key: "ArrowUp" });
      const editor = await screen.findByRole("textbox", { name: "Edit message" });
      expect(editor.closest(".bubble")?.getAttribute("data-seq")).toBe("300");
      expect(document.activeElement).toBe(editor);
      fireEvent.keyDown(editor, { key: "Escape" });
      expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
      expect(document.activeElement).toBe(box);
      expect(ipc.editMessage).not.toHaveBeenCalled();
    });

    it("saves with Enter and gives the focus back to the composer", async () => {
      const box = await ready();
      fireEvent.keyDown(box, { key: "ArrowUp" });
      const editor = await screen.findByRole("textbox", { name: "Edit message" });
      fireEvent.change(editor, { target: { value: "fixed it" } });
      fireEvent.keyDown(editor, { key: "Enter" });
      expect(ipc.editMessage).toHaveBeenCalledWith("c1", 300, "fixed it");
      await waitFor(() => expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull());
      expect(document.activeElement).toBe(box);
    });

    it("passes over someone else's newer message, and does nothing with text in the box", async () => {
      core.log = messages(1, 301);
      const box = await ready();
      fireEvent.change(box, { target: { value: "a draft" } });
      fireEvent.keyDown(box, { key: "ArrowUp" });
      expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull();
      fireEvent.change(box, { target: { value: "" } });
      fireEvent.keyDown(box, { key: "ArrowUp" });
      const editor = await screen.findByRole("textbox", { name: "Edit message" });
      expect(editor.closest(".bubble")?.getAttribute("data-seq")).toBe("300");
    });
  });
});
