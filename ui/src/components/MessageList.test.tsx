import { act, fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CachedMessage } from "../lib/protocol/core";
import { conversation, message, messages } from "../test/fixtures";
import { VIEWPORT, installFakeLayout } from "../test/layout";

vi.mock("../lib/ipc", () => ({
  ipc: { react: vi.fn(async () => {}) },
  errorMessage: String,
}));

import { MessageList } from "./MessageList";

installFakeLayout();

const receipts = [
  { user_id: "ana", delivered_seq: 120, read_seq: 119 },
  { user_id: "bob", delivered_seq: 120, read_seq: 120 },
];

type ListProps = Parameters<typeof MessageList>[0];
function list(rows: CachedMessage[], extra: Partial<ListProps> = {}) {
  const props: ListProps = {
    me: "me",
    conversation: conversation(receipts),
    messages: rows,
    loaded: true,
    hasOlder: false,
    loadingOlder: false,
    onLoadOlder: vi.fn(),
    ...extra,
  };
  const view = render(<MessageList {...props} />);
  return {
    ...view,
    props,
    update: (next: Partial<ListProps>) => {
      Object.assign(props, next);
      view.rerender(<MessageList {...props} />);
    },
  };
}
const scroller = () => screen.getByRole("log", { name: "Messages" });
async function settle() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 20));
  });
}
function scrollTo(top: number) {
  act(() => {
    scroller().scrollTop = top;
    fireEvent.scroll(scroller());
  });
}

describe("MessageList", () => {
  beforeEach(() => vi.useRealTimers());

  it("opens at the newest message and renders only what is near the screen", async () => {
    list(messages(1, 120));
    await settle();
    expect(document.querySelector('.bubble[data-seq="120"]')).not.toBeNull();
    expect(document.querySelector('.bubble[data-seq="1"]')).toBeNull();
    expect(document.querySelectorAll(".bubble").length).toBeLessThan(60);
  });

  it("says hello in an empty conversation", () => {
    list([]);
    expect(screen.getByText("Say hello 👋")).toBeTruthy();
  });

  it("puts a date separator between days, and system events in the middle", () => {
    const created = message("ana", new Date(2024, 0, 1, 9).getTime(), {
      event: { kind: "renamed", title: "Climbing" },
    });
    const rows = [created, message("ana", new Date(2024, 0, 2, 9).getTime())];
    list(rows);
    expect(document.querySelectorAll(".date-separator")).toHaveLength(2);
    expect(document.querySelector(".system-event")?.textContent).toBe(
      "Ana Lima renamed the group to “Climbing”",
    );
  });

  it("ticks my messages by receipts and says who has seen my latest", async () => {
    const rows = messages(111, 120); // even seqs are mine; Bob read 120, Ana 119
    list(rows);
    await settle();
    const receipt = (seq: number) =>
      document.querySelector(`.bubble[data-seq="${seq}"]`)?.getAttribute("data-receipt");
    expect(receipt(120)).toBe("read");
    expect(receipt(118)).toBe("read");
    expect(document.querySelector('.bubble[data-seq="119"]')?.hasAttribute("data-receipt")).toBe(
      false,
    );
    const seen = document.querySelectorAll(".seen-by");
    expect(seen).toHaveLength(1);
    expect(seen[0].textContent).toBe("Seen by Bob Stone");
  });

  it("shows no seen-by line in a direct conversation", async () => {
    list(messages(111, 120), { conversation: conversation(receipts, "direct") });
    await settle();
    expect(document.querySelector(".seen-by")).toBeNull();
    expect(document.querySelector('.bubble[data-seq="120"]')?.getAttribute("data-receipt")).toBe(
      "read",
    );
  });

  it("asks for the older page near the top, once it has opened", async () => {
    const onLoadOlder = vi.fn();
    list(messages(61, 120), { hasOlder: true, onLoadOlder });
    await settle();
    expect(onLoadOlder).not.toHaveBeenCalled(); // it opened at the bottom, far from the top
    scrollTo(100);
    expect(onLoadOlder).toHaveBeenCalled();
  });

  it("keeps the rows on screen still when an older page lands above them", async () => {
    const view = list(messages(61, 120), { hasOlder: true });
    await settle();
    scrollTo(1000);
    const before = document
      .querySelector('.bubble[data-seq="90"]')
      ?.closest(".timeline-item") as HTMLElement;
    const onScreen =
      parseFloat(before.style.transform.replace(/[^\d.]/g, "")) - scroller().scrollTop;
    view.update({ messages: messages(1, 120) });
    await settle();
    const after = document
      .querySelector('.bubble[data-seq="90"]')
      ?.closest(".timeline-item") as HTMLElement;
    const stillOnScreen =
      parseFloat(after.style.transform.replace(/[^\d.]/g, "")) - scroller().scrollTop;
    expect(Math.abs(stillOnScreen - onScreen)).toBeLessThanOrEqual(1);
  });

  it("follows a new message at the bottom, and offers a pill when reading history", async () => {
    const view = list(messages(1, 120));
    await settle();
    view.update({ messages: messages(1, 121) });
    await settle();
    expect(document.querySelector('.bubble[data-seq="121"]')).not.toBeNull();
    const { scrollHeight, scrollTop } = scroller();
    expect(scrollHeight - scrollTop - VIEWPORT).toBeLessThanOrEqual(1);
    expect(screen.queryByRole("button", { name: /new messages|jump to latest/i })).toBeNull();

    scrollTo(0);
    expect(screen.getByRole("button", { name: "↓ Jump to latest" })).toBeTruthy();
    view.update({ messages: messages(1, 123) }); // 123 is Ana's
    await settle();
    fireEvent.click(screen.getByRole("button", { name: "↓ New messages" }));
    await settle();
    expect(document.querySelector('.bubble[data-seq="123"]')).not.toBeNull();
    expect(screen.queryByRole("button", { name: "↓ New messages" })).toBeNull();
  });

  it("tells the view whether the newest message is on screen (to mark it read)", async () => {
    const onReadingLatestChange = vi.fn();
    list(messages(1, 120), { onReadingLatestChange });
    await settle();
    expect(onReadingLatestChange).toHaveBeenLastCalledWith(true);
    scrollTo(0);
    expect(onReadingLatestChange).toHaveBeenLastCalledWith(false);
  });

  it("jumps to a message, highlights it, and lets the highlight fade", async () => {
    const view = list(messages(1, 120));
    await settle();
    view.update({ focus: { seq: 10, key: 1 } });
    await settle();
    const target = document.querySelector('.bubble[data-seq="10"]');
    expect(target?.classList.contains("focused")).toBe(true);
    await act(async () => {
      await new Promise((r) => setTimeout(r, 2100));
    });
    expect(document.querySelector('.bubble[data-seq="10"]')?.classList.contains("focused")).toBe(
      false,
    );
  });

  it("waits for older pages before jumping to a message not loaded yet", async () => {
    const view = list(messages(61, 120), { hasOlder: true, focus: { seq: 5, key: 1 } });
    await settle();
    expect(document.querySelector(".bubble.focused")).toBeNull();
    view.update({ loadingOlder: true });
    view.update({ messages: messages(1, 120), hasOlder: false, loadingOlder: false });
    await settle();
    expect(document.querySelector('.bubble[data-seq="5"]')?.classList.contains("focused")).toBe(
      true,
    );
  });
});
