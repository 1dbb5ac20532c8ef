import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ipc } from "../lib/ipc";
import { SearchPanel } from "./SearchPanel";
import { hit, members, summary } from "./testData";

const climbers = summary();
const direct = summary({ id: "c2", kind: "direct", title: null, members: members().slice(0, 2) });

function open(props: Partial<Parameters<typeof SearchPanel>[0]> = {}) {
  const onOpenHit = vi.fn();
  const onClose = vi.fn();
  render(
    <SearchPanel
      me="u-me"
      conversations={[climbers, direct]}
      current={null}
      onOpenHit={onOpenHit}
      onClose={onClose}
      {...props}
    />,
  );
  return { onOpenHit, onClose, field: screen.getByRole("combobox") };
}

async function typeAndWait(field: HTMLElement, text: string) {
  fireEvent.change(field, { target: { value: text } });
  await act(async () => {
    vi.advanceTimersByTime(150);
  });
}

describe("SearchPanel", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("shows where, who and the excerpt with the match marked", async () => {
    vi.spyOn(ipc, "search").mockResolvedValue([
      hit(),
      hit({ conversation_id: "c2", seq: 3, sender: "u-me", snippet: [{ text: "rope", highlighted: true }] }),
    ]);
    const { field } = open();
    expect(document.activeElement).toBe(field);
    await typeAndWait(field, "rope");
    const hits = document.querySelectorAll(".search-hit");
    expect(hits).toHaveLength(2);
    expect(hits[0].querySelector(".hit-conversation")?.textContent).toBe("Climbers");
    expect(hits[0].querySelector(".hit-sender")?.textContent).toBe("Ana Lima");
    expect(hits[0].querySelector(".hit-snippet")?.textContent).toBe("bring the rope on Sunday");
    expect(Array.from(hits[0].querySelectorAll("mark"), (m) => m.textContent)).toEqual(["rope"]);
    // A direct chat is named after the other person; my own messages say "You".
    expect(hits[1].querySelector(".hit-conversation")?.textContent).toBe("Ana Lima");
    expect(hits[1].querySelector(".hit-sender")?.textContent).toBe("You");
    expect(screen.getByRole("status").textContent).toBe("2 results");
  });

  it("moves through hits with the arrow keys and opens one with Enter", async () => {
    vi.spyOn(ipc, "search").mockResolvedValue([hit({ seq: 1 }), hit({ seq: 2 }), hit({ seq: 3 })]);
    const { field, onOpenHit } = open();
    await typeAndWait(field, "rope");
    const selected = () => document.querySelector(".search-hit[aria-selected=true]")?.getAttribute("data-seq");
    expect(selected()).toBe("1");
    fireEvent.keyDown(field, { key: "ArrowDown" });
    fireEvent.keyDown(field, { key: "ArrowDown" });
    expect(selected()).toBe("3");
    fireEvent.keyDown(field, { key: "ArrowDown" });
    expect(selected()).toBe("1");
    fireEvent.keyDown(field, { key: "ArrowUp" });
    expect(selected()).toBe("3");
    fireEvent.keyDown(field, { key: "Enter" });
    expect(onOpenHit).toHaveBeenCalledWith(expect.objectContaining({ seq: 3 }));
  });

  it("opens a hit on click", async () => {
    vi.spyOn(ipc, "search").mockResolvedValue([hit({ seq: 1 }), hit({ seq: 2 })]);
    const { field, onOpenHit } = open();
    await typeAndWait(field, "rope");
    fireEvent.click(document.querySelectorAll(".search-hit")[1]);
    expect(onOpenHit).toHaveBeenCalledWith(expect.objectContaining({ seq: 2 }));
  });

  it("says so when nothing matches, and what to try", async () => {
    vi.spyOn(ipc, "search").mockResolvedValue([]);
    const { field } = open();
    expect(screen.getByRole("status").textContent).toMatch(/^Type to search all conversations/);
    await typeAndWait(field, "zzz");
    expect(screen.getByRole("status").textContent).toBe(
      "No messages match “zzz”. Try fewer or shorter words.",
    );
  });

  it("searches only the open conversation when asked", async () => {
    const search = vi.spyOn(ipc, "search").mockResolvedValue([]);
    const { field } = open({ current: climbers });
    fireEvent.click(screen.getByRole("checkbox", { name: "Only in Climbers" }));
    await typeAndWait(field, "rope");
    expect(search).toHaveBeenLastCalledWith(expect.objectContaining({ text: "rope", conversation: "c1" }));
  });

  it("closes on Escape", () => {
    const { field, onClose } = open();
    fireEvent.keyDown(field, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});
