import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CachedMessage } from "../lib/protocol/core";
import { conversation, message } from "../test/fixtures";
import { pdf, photo } from "../test/media";

const ipc = vi.hoisted(() => ({
  retry: vi.fn(async () => {}),
  discard: vi.fn(async () => {}),
  editMessage: vi.fn(async () => {}),
  deleteMessage: vi.fn(async () => {}),
  react: vi.fn(async () => {}),
  mediaFile: vi.fn(async (media: { id: string }) => `/cache/${media.id}`),
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: (e: { message: string }) => e.message,
  fileUrl: (path: string) => `asset://localhost${path}`,
}));

import { MessageBubble } from "./MessageBubble";

const group = conversation();

function failed(): CachedMessage {
  return message("me", 0, {
    seq: null,
    client_id: "client-1",
    status: "failed",
    error: { code: "text_too_long", message: "The text is too long." },
    text: "a very long text",
  });
}

function show(m: CachedMessage, mine = m.sender === "me") {
  return render(<MessageBubble message={m} mine={mine} me="me" conversation={group} />);
}

describe("MessageBubble", () => {
  beforeEach(() => vi.clearAllMocks());

  it("offers retry and discard for a failed send of mine", () => {
    show(failed());
    expect(screen.getByRole("img", { name: "Not sent" })).toBeTruthy();
    expect(screen.getByText("The text is too long.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(ipc.retry).toHaveBeenCalledWith("client-1");
    fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    expect(ipc.discard).toHaveBeenCalledWith("client-1");
  });

  it("shows no tick, and no Edit or Delete, on someone else's message", () => {
    show(message("ana", 0, { seq: 4 }));
    expect(screen.queryByRole("img")).toBeNull();
    expect(screen.getByRole("button", { name: "React" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
  });

  it("carries its receipt, seq and client id for tests and styling", () => {
    render(
      <MessageBubble
        message={message("me", 0, { seq: 7, client_id: "c-7" })}
        mine
        me="me"
        conversation={group}
        receipt="delivered"
      />,
    );
    const bubble = document.querySelector(".bubble") as HTMLElement;
    expect(bubble.dataset).toMatchObject({
      receipt: "delivered",
      seq: "7",
      clientId: "c-7",
      status: "sent",
    });
    expect(within(bubble).getByRole("img", { name: "Delivered" })).toBeTruthy();
    expect(bubble.tabIndex).toBe(0);
  });

  it("edits in place: Enter saves the new text", async () => {
    show(message("me", 0, { seq: 5, text: "helo" }));
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    const editor = screen.getByRole("textbox", { name: "Edit message" }) as HTMLTextAreaElement;
    expect(editor.name).toBe("edit-message");
    expect(editor.value).toBe("helo");
    expect(document.activeElement).toBe(editor);
    fireEvent.change(editor, { target: { value: "hello" } });
    fireEvent.keyDown(editor, { key: "Enter" });
    expect(ipc.editMessage).toHaveBeenCalledWith("c1", 5, "hello");
    await waitFor(() => expect(screen.queryByRole("textbox", { name: "Edit message" })).toBeNull());
  });

  it("Escape cancels an edit without saving", () => {
    show(message("me", 0, { seq: 5, text: "helo" }));
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    const editor = screen.getByRole("textbox", { name: "Edit message" });
    fireEvent.change(editor, { target: { value: "changed my mind" } });
    fireEvent.keyDown(editor, { key: "Escape" });
    expect(ipc.editMessage).not.toHaveBeenCalled();
    expect(screen.getByText("helo")).toBeTruthy();
  });

  it("keeps the editor open and says why when saving fails", async () => {
    ipc.editMessage.mockRejectedValueOnce({
      code: "not_author",
      message: "Only the author can edit it.",
    });
    show(message("me", 0, { seq: 5, text: "helo" }));
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    const editor = screen.getByRole("textbox", { name: "Edit message" });
    fireEvent.change(editor, { target: { value: "hello" } });
    fireEvent.keyDown(editor, { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toBe("Only the author can edit it.");
    expect(screen.getByRole("textbox", { name: "Edit message" })).toBeTruthy();
  });

  it("says edited on an edited message", () => {
    show(
      message("ana", 0, {
        seq: 3,
        event: { kind: "message", client_id: "x", text: "hi", edited_at: 5 },
      }),
    );
    expect(screen.getByText("edited")).toBeTruthy();
  });

  it("asks before deleting for everyone", async () => {
    show(message("me", 0, { seq: 9 }));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    const confirm = screen.getByRole("alertdialog", { name: "Delete message" });
    expect(confirm.textContent).toContain("Delete for everyone?");
    expect(ipc.deleteMessage).not.toHaveBeenCalled();
    fireEvent.click(within(confirm).getByRole("button", { name: "Delete" }));
    expect(ipc.deleteMessage).toHaveBeenCalledWith("c1", 9);
    await waitFor(() => expect(screen.queryByRole("alertdialog")).toBeNull());
  });

  it("cancels a delete with Escape", () => {
    show(message("me", 0, { seq: 9 }));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    fireEvent.keyDown(screen.getByRole("alertdialog"), { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(ipc.deleteMessage).not.toHaveBeenCalled();
  });

  it("shows a deleted message in words, without actions", () => {
    show(
      message("me", 0, {
        seq: 9,
        event: { kind: "message", client_id: "x", text: "", deleted: true },
      }),
    );
    expect(screen.getByText("This message was deleted")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "React" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Edit" })).toBeNull();
  });

  it("reacts from the quick row, and shows my reaction before the server answers", () => {
    show(message("ana", 0, { seq: 4 }));
    fireEvent.click(screen.getByRole("button", { name: "React" }));
    const quick = screen.getByRole("dialog", { name: "Quick reactions" });
    expect(
      within(quick)
        .getAllByRole("button")
        .map((b) => b.dataset.emoji),
    ).toEqual(["👍", "❤️", "😂", "😮", "😢", "🙏", undefined]);
    fireEvent.click(within(quick).getByRole("button", { name: "React with thumbs up" }));
    expect(ipc.react).toHaveBeenCalledWith("c1", 4, "👍", true);
    const chip = document.querySelector('.reaction[data-emoji="👍"]') as HTMLElement;
    expect(chip.getAttribute("aria-pressed")).toBe("true");
    expect(chip.textContent).toContain("1");
    expect(screen.queryByRole("dialog", { name: "Quick reactions" })).toBeNull();
  });

  it("toggles my reaction off from its chip, and names who reacted", () => {
    const m = message("ana", 0, {
      seq: 4,
      event: {
        kind: "message",
        client_id: "x",
        text: "hi",
        reactions: [
          { emoji: "👍", users: ["ana", "me"] },
          { emoji: "🎉", users: ["bob"] },
        ],
      },
    });
    show(m);
    const thumbs = document.querySelector('.reaction[data-emoji="👍"]') as HTMLElement;
    expect(thumbs.title).toBe("Ana Lima, Me Myself");
    expect(thumbs.querySelector(".reaction-count")?.textContent).toBe("2");
    expect(document.querySelector('.reaction[data-emoji="🎉"]')?.getAttribute("aria-pressed")).toBe(
      "false",
    );
    fireEvent.click(thumbs);
    expect(ipc.react).toHaveBeenCalledWith("c1", 4, "👍", false);
    expect(thumbs.querySelector(".reaction-count")?.textContent).toBe("1");
    expect(thumbs.getAttribute("aria-pressed")).toBe("false");
  });

  it("takes back a reaction the server refused, and says why", async () => {
    ipc.react.mockRejectedValueOnce({ code: "too_many_reactions", message: "Too many reactions." });
    show(message("ana", 0, { seq: 4 }));
    fireEvent.click(screen.getByRole("button", { name: "React" }));
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "React with red heart" }));
    });
    expect((await screen.findByRole("alert")).textContent).toBe("Too many reactions.");
    expect(document.querySelector(".reaction")).toBeNull();
  });

  it("highlights a message jumped to", () => {
    render(
      <MessageBubble
        message={message("ana", 0, { seq: 4 })}
        mine={false}
        me="me"
        conversation={group}
        focused
      />,
    );
    expect(document.querySelector(".bubble")?.classList.contains("focused")).toBe(true);
  });

  it("shows its files: pictures as images, the rest as cards, under the text", () => {
    show(
      message("ana", 0, {
        seq: 4,
        event: {
          kind: "message",
          client_id: "x",
          text: "from the trip",
          attachments: [pdf("f1", 2048), photo("i1")],
        },
      }),
    );
    const bubble = document.querySelector(".bubble") as HTMLElement;
    const image = bubble.querySelector(".attachment-image") as HTMLElement;
    expect(image.dataset.mediaId).toBe("i1");
    // A 4000 × 3000 photo alone: 320 × 240.
    expect([image.style.width, image.style.height]).toEqual(["320px", "240px"]);
    expect(bubble.querySelector('.file-card[data-media-id="f1"]')?.textContent).toContain(
      "PDF document · 2 KB",
    );
    expect(bubble.querySelector(".bubble-text")?.textContent).toBe("from the trip");
  });

  it("puts several pictures in a grid", () => {
    show(
      message("ana", 0, {
        seq: 4,
        event: { kind: "message", client_id: "x", text: "", attachments: [photo("i1"), photo("i2")] },
      }),
    );
    const grid = document.querySelector(".attachment-images.attachment-grid") as HTMLElement;
    expect(grid.querySelectorAll(".attachment-image")).toHaveLength(2);
  });

  it("shows the files of my message while it is still pending", () => {
    show(
      message("me", 0, {
        seq: null,
        status: "pending",
        event: { kind: "message", client_id: "x", text: "", attachments: [pdf("f9")] },
      }),
    );
    const bubble = document.querySelector('.bubble[data-status="pending"]') as HTMLElement;
    expect(bubble.querySelector('.file-card[data-media-id="f9"]')).not.toBeNull();
    // Files only: the text is there, and empty.
    expect(bubble.querySelector(".bubble-text")?.textContent).toBe("");
  });

  it("shows no files of a deleted message", () => {
    show(
      message("ana", 0, {
        seq: 4,
        event: { kind: "message", client_id: "x", text: "", deleted: true, attachments: [pdf("f1")] },
      }),
    );
    expect(document.querySelector(".file-card")).toBeNull();
  });
});
