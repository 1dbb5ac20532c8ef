import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { PhysicalPosition } from "@tauri-apps/api/dpi";
import type { DragDropEvent } from "@tauri-apps/api/webview";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ipc } from "../lib/ipc";
import type { CoreEvent } from "../lib/protocol/core";
import type { ConversationSummary } from "../lib/protocol/protocol";
import { Main } from "./Main";
import { hit, members, summary } from "./testData";

// The conversation view is another component's business: a stand-in shows what Main
// hands it (which conversation, the message to focus, the header's buttons).
vi.mock("./ConversationView", () => ({
  ConversationView: (props: {
    conversation: ConversationSummary;
    focus?: { seq: number; key: number } | null;
    headerActions?: ReactNode;
  }) => (
    <section
      className="conversation"
      data-conversation-id={props.conversation.id}
      data-focus-seq={props.focus?.seq ?? ""}
    >
      <header className="conversation-header">{props.headerActions}</header>
    </section>
  ),
}));

const coreEvents: ((event: CoreEvent) => void)[] = [];
const desktopEvents = new Map<string, (payload: unknown) => void>();
vi.mock("../lib/ipc", async (importOriginal) => {
  const real = await importOriginal<typeof import("../lib/ipc")>();
  return {
    ...real,
    onCoreEvent: (handler: (event: CoreEvent) => void) => {
      coreEvents.push(handler);
      return Promise.resolve(() => {});
    },
    onDesktopEvent: (name: string, handler: (payload: unknown) => void) => {
      desktopEvents.set(name, handler);
      return Promise.resolve(() => desktopEvents.delete(name));
    },
  };
});

// The webview's OS drag-and-drop events, sent by the tests.
const webview = vi.hoisted(() => ({
  dragDrop: null as ((event: { payload: DragDropEvent }) => void) | null,
}));
vi.mock("@tauri-apps/api/webview", () => ({
  getCurrentWebview: () => ({
    onDragDropEvent: (handler: (event: { payload: DragDropEvent }) => void) => {
      webview.dragDrop = handler;
      return Promise.resolve(() => (webview.dragDrop = null));
    },
  }),
}));

const me = { id: "u-me", username: "me", display_name: "Me Myself" };
const list = [
  summary({ id: "old", title: "Old group", last_activity: 1 }),
  summary({ id: "new", title: "New group", last_activity: 3, settings: { muted: true, archived: false } }),
  summary({ id: "mid", kind: "direct", title: null, members: members().slice(0, 2), last_activity: 2 }),
];

async function renderMain() {
  render(<Main me={me} sessionNotSaved={false} onDismissNotice={() => {}} onSignOut={() => {}} />);
  await act(async () => {});
}

const openId = () => document.querySelector("section.conversation")?.getAttribute("data-conversation-id");
const key = (init: KeyboardEventInit) => fireEvent.keyDown(window, init);

describe("Main", () => {
  beforeEach(() => {
    coreEvents.length = 0;
    vi.spyOn(ipc, "conversations").mockResolvedValue(list);
    vi.spyOn(ipc, "connectionState").mockResolvedValue({ state: "online" });
    vi.spyOn(ipc, "presence").mockResolvedValue([]);
    vi.spyOn(ipc, "setOpenConversation").mockResolvedValue();
  });
  afterEach(() => vi.restoreAllMocks());

  it("moves through the list, newest first, with Alt+arrows and Ctrl+Tab", async () => {
    await renderMain();
    const titles = Array.from(
      document.querySelectorAll(".conversation-row .row-title"),
      (t) => t.textContent,
    );
    expect(titles).toEqual(["New group", "Ana Lima", "Old group"]);
    key({ key: "ArrowDown", altKey: true });
    expect(openId()).toBe("new");
    key({ key: "ArrowDown", altKey: true });
    expect(openId()).toBe("mid");
    const current = document.querySelector(".conversation-row[aria-current=true]");
    expect(current?.getAttribute("data-conversation-id")).toBe("mid");
    key({ key: "Tab", ctrlKey: true });
    expect(openId()).toBe("old");
    key({ key: "Tab", ctrlKey: true, shiftKey: true });
    key({ key: "ArrowUp", altKey: true });
    expect(openId()).toBe("new");
  });

  it("marks a muted conversation in the list", async () => {
    await renderMain();
    const muted = screen.getByRole("button", { name: "New group, muted" });
    expect(muted.querySelector(".muted-icon")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Old group" }).querySelector(".muted-icon")).toBeNull();
  });

  it("keeps archived conversations behind the Archived entry, with their unread count", async () => {
    vi.spyOn(ipc, "conversations").mockResolvedValue([
      ...list,
      summary({
        id: "gone",
        title: "Archived group",
        last_activity: 4,
        unread_count: 2,
        settings: { muted: false, archived: true },
      }),
    ]);
    await renderMain();
    const rows = () =>
      Array.from(document.querySelectorAll(".conversation-row"), (r) => r.getAttribute("data-conversation-id"));
    expect(rows()).toEqual(["new", "mid", "old"]);
    // Alt+↑/↓ moves through what is shown only.
    key({ key: "ArrowDown", altKey: true });
    expect(openId()).toBe("new");

    const entry = screen.getByRole("button", { name: "Archived (1), 2 unread" });
    expect(entry.querySelector(".archived-unread")?.textContent).toBe("2");
    fireEvent.click(entry);
    expect(screen.getByRole("list", { name: "Archived conversations" })).toBeTruthy();
    expect(rows()).toEqual(["gone"]);
    expect(screen.getByRole("button", { name: "Archived group, 2 unread" })).toBeTruthy();
    key({ key: "ArrowDown", altKey: true });
    expect(openId()).toBe("gone");

    fireEvent.click(screen.getByRole("button", { name: "Back to chats" }));
    expect(rows()).toEqual(["new", "mid", "old"]);
  });

  it("shows the archived list when a notification opens an archived conversation", async () => {
    vi.spyOn(ipc, "conversations").mockResolvedValue([
      ...list,
      summary({ id: "gone", title: "Archived group", settings: { muted: false, archived: true } }),
    ]);
    await renderMain();
    act(() => desktopEvents.get("open-conversation")?.("gone"));
    expect(screen.getByRole("list", { name: "Archived conversations" })).toBeTruthy();
    expect(document.querySelector(".conversation-row[aria-current]")?.getAttribute("data-conversation-id")).toBe(
      "gone",
    );
    act(() => desktopEvents.get("open-conversation")?.("mid"));
    expect(screen.getByRole("list", { name: "Your conversations" })).toBeTruthy();
  });

  it("offers no Archived entry while nothing is archived", async () => {
    await renderMain();
    expect(document.querySelector(".archived-toggle")).toBeNull();
  });

  it("focuses the new-chat field with Ctrl+N", async () => {
    await renderMain();
    key({ key: "n", ctrlKey: true });
    expect(document.activeElement).toBe(document.querySelector("input[name=new-chat-username]"));
  });

  it("opens search with Ctrl+K and a hit at its message", async () => {
    vi.useFakeTimers();
    try {
      vi.spyOn(ipc, "search").mockResolvedValue([hit({ conversation_id: "old", seq: 42 })]);
      await renderMain();
      key({ key: "k", ctrlKey: true });
      const dialog = screen.getByRole("dialog", { name: "Search messages" });
      fireEvent.change(within(dialog).getByRole("combobox"), { target: { value: "rope" } });
      await act(async () => {
        vi.advanceTimersByTime(150);
      });
      fireEvent.click(document.querySelector(".search-hit")!);
      expect(screen.queryByRole("dialog")).toBeNull();
      expect(openId()).toBe("old");
      expect(document.querySelector("section.conversation")?.getAttribute("data-focus-seq")).toBe("42");
      // Opening from the list again forgets the focused message.
      fireEvent.click(screen.getByRole("button", { name: "Ana Lima" }));
      expect(document.querySelector("section.conversation")?.getAttribute("data-focus-seq")).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it("opens the group settings from the conversation header and closes them with Escape", async () => {
    await renderMain();
    fireEvent.click(screen.getByRole("button", { name: "Old group" }));
    const toggle = screen.getByRole("button", { name: "Group settings" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(screen.getByRole("complementary", { name: "Group settings" })).toBeTruthy();
    key({ key: "Escape" });
    expect(screen.queryByRole("complementary", { name: "Group settings" })).toBeNull();
    // A direct chat offers its info instead.
    fireEvent.click(screen.getByRole("button", { name: "Ana Lima" }));
    expect(screen.queryByRole("button", { name: "Group settings" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Conversation info" }));
    expect(screen.getByRole("complementary", { name: "Conversation info" })).toBeTruthy();
  });

  it("shows the sync progress while catching up, and hides it after", async () => {
    await renderMain();
    expect(document.querySelector(".sync-progress")).toBeNull();
    act(() => coreEvents.forEach((h) => h({ type: "sync_progress", fetched: 120, more: true })));
    expect(document.querySelector(".sync-progress")?.textContent).toBe("Syncing… 120 messages");
    act(() => coreEvents.forEach((h) => h({ type: "sync_progress", fetched: 180, more: false })));
    expect(document.querySelector(".sync-progress")).toBeNull();
  });

  it("drops the sync progress when the connection goes", async () => {
    await renderMain();
    act(() => coreEvents.forEach((h) => h({ type: "sync_progress", fetched: 1, more: true })));
    expect(document.querySelector(".sync-progress")?.textContent).toBe("Syncing… 1 message");
    act(() => coreEvents.forEach((h) => h({ type: "connection", state: "connecting" })));
    expect(document.querySelector(".sync-progress")).toBeNull();
  });

  it("tells the shell which conversation is on screen, and none after sign-out", async () => {
    render(<Main me={me} sessionNotSaved={false} onDismissNotice={() => {}} onSignOut={() => {}} />);
    await act(async () => {});
    expect(ipc.setOpenConversation).toHaveBeenLastCalledWith(null);
    fireEvent.click(screen.getByRole("button", { name: "Old group" }));
    expect(ipc.setOpenConversation).toHaveBeenLastCalledWith("old");
    cleanup();
    expect(ipc.setOpenConversation).toHaveBeenLastCalledWith(null);
  });

  it("opens the conversation of a clicked notification", async () => {
    await renderMain();
    act(() => desktopEvents.get("open-conversation")?.("mid"));
    expect(openId()).toBe("mid");
    expect(
      document.querySelector(".conversation-row[aria-current=true]")?.getAttribute("data-conversation-id"),
    ).toBe("mid");
  });

  it("plays the notification sound when the shell asks, reusing one player", async () => {
    const play = vi.fn(() => Promise.reject(new Error("no audio device")));
    const made: string[] = [];
    vi.stubGlobal(
      "Audio",
      class {
        currentTime = 0;
        play = play;
        constructor(src: string) {
          made.push(src);
        }
      },
    );
    try {
      await renderMain();
      act(() => desktopEvents.get("play-sound")?.(null));
      act(() => desktopEvents.get("play-sound")?.(null));
      expect(play).toHaveBeenCalledTimes(2);
      expect(made).toEqual(["/sounds/notification.wav"]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("Main file drop", () => {
  beforeEach(() => {
    coreEvents.length = 0;
    vi.spyOn(ipc, "conversations").mockResolvedValue(list);
    vi.spyOn(ipc, "connectionState").mockResolvedValue({ state: "online" });
    vi.spyOn(ipc, "presence").mockResolvedValue([]);
    vi.spyOn(ipc, "setOpenConversation").mockResolvedValue();
    vi.spyOn(ipc, "uploadFile").mockResolvedValue("up-1");
    // The hook listens only inside the shell.
    Object.assign(window, { __TAURI_INTERNALS__: {} });
  });
  afterEach(() => {
    delete (window as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    vi.restoreAllMocks();
  });

  const drag = (payload: DragDropEvent) => act(() => webview.dragDrop?.({ payload }));
  const position = new PhysicalPosition(10, 10);

  it("asks to open a conversation first, and ignores a drop without one", async () => {
    await renderMain();
    drag({ type: "enter", paths: ["/home/me/a.pdf"], position });
    expect(document.querySelector(".drop-overlay")?.textContent).toBe(
      "Open a conversation to share files",
    );
    drag({ type: "drop", paths: ["/home/me/a.pdf"], position });
    expect(document.querySelector(".drop-overlay")).toBeNull();
    expect(ipc.uploadFile).not.toHaveBeenCalled();
  });

  it("names the open conversation and stages the dropped files into it", async () => {
    await renderMain();
    fireEvent.click(screen.getByRole("button", { name: "Old group" }));
    drag({ type: "enter", paths: ["/home/me/a.pdf", "/home/me/b.png"], position });
    drag({ type: "over", position });
    expect(document.querySelector(".drop-overlay")?.textContent).toBe(
      "Drop files to send to Old group",
    );
    drag({ type: "drop", paths: ["/home/me/a.pdf", "/home/me/b.png"], position });
    expect(document.querySelector(".drop-overlay")).toBeNull();
    expect(ipc.uploadFile).toHaveBeenCalledWith("old", "/home/me/a.pdf");
    expect(ipc.uploadFile).toHaveBeenCalledWith("old", "/home/me/b.png");
  });

  it("hides the overlay when the drag leaves", async () => {
    await renderMain();
    drag({ type: "enter", paths: ["/a"], position });
    expect(document.querySelector(".drop-overlay")).not.toBeNull();
    drag({ type: "leave" });
    expect(document.querySelector(".drop-overlay")).toBeNull();
  });
});
