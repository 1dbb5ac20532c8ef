import { act, renderHook, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CachedMessage, CoreEvent } from "../lib/protocol/core";
import { messages } from "../test/fixtures";

// A fake core: a log of rows, paged like the cache pages them.
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
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  onCoreEvent: async (handler: (e: CoreEvent) => void) => {
    core.handlers.push(handler);
    return () => {
      core.handlers = core.handlers.filter((h) => h !== handler);
    };
  },
}));

import { useConversation } from "./useConversation";

const seqs = (rows: CachedMessage[]) => rows.map((m) => m.seq);
const last = (rows: CachedMessage[]) => rows[rows.length - 1];
function emit(event: CoreEvent) {
  act(() => core.handlers.forEach((h) => h(event)));
}

describe("useConversation", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    core.handlers = [];
    core.log = messages(1, 150);
  });

  it("opens on the newest page and marks it read", async () => {
    const { result } = renderHook(() => useConversation("c1"));
    await waitFor(() => expect(result.current.loaded).toBe(true));
    expect(last(result.current.messages)?.seq).toBe(150);
    expect(result.current.messages).toHaveLength(60);
    expect(result.current.hasOlder).toBe(true);
    expect(ipc.markRead).toHaveBeenCalledWith("c1", 150);
  });

  it("keeps older pages it loaded when a change arrives, and adds the new row", async () => {
    const { result } = renderHook(() => useConversation("c1"));
    await waitFor(() => expect(result.current.loaded).toBe(true));
    await act(() => result.current.loadOlder());
    expect(result.current.messages[0].seq).toBe(31);

    core.log = [...core.log, ...messages(151, 151)];
    emit({ type: "messages_changed", conversation_id: "c1" });
    await waitFor(() => expect(last(result.current.messages)?.seq).toBe(151));
    expect(result.current.messages[0].seq).toBe(31);
    expect(seqs(result.current.messages)).toEqual(Array.from({ length: 121 }, (_, i) => 31 + i));
  });

  it("shows an edit to a message in an older page", async () => {
    const { result } = renderHook(() => useConversation("c1"));
    await waitFor(() => expect(result.current.loaded).toBe(true));
    await act(() => result.current.loadOlder());
    core.log = core.log.map((m) =>
      m.seq === 40 ? { ...m, event: { kind: "message", client_id: "m40", text: "edited!" } } : m,
    );
    emit({ type: "messages_changed", conversation_id: "c1" });
    await waitFor(() =>
      expect(result.current.messages.find((m) => m.seq === 40)?.event).toMatchObject({
        text: "edited!",
      }),
    );
  });

  it("ignores changes to other conversations", async () => {
    const { result } = renderHook(() => useConversation("c1"));
    await waitFor(() => expect(result.current.loaded).toBe(true));
    ipc.page.mockClear();
    emit({ type: "messages_changed", conversation_id: "c2" });
    expect(ipc.page).not.toHaveBeenCalled();
  });

  it("stops asking for older pages at the start of the conversation", async () => {
    core.log = messages(1, 90);
    const { result } = renderHook(() => useConversation("c1"));
    await waitFor(() => expect(result.current.loaded).toBe(true));
    await act(() => result.current.loadOlder());
    expect(result.current.messages[0].seq).toBe(1);
    expect(result.current.hasOlder).toBe(false);
  });

  it("loads back to a message to jump to it", async () => {
    const { result } = renderHook(() => useConversation("c1"));
    await waitFor(() => expect(result.current.loaded).toBe(true));
    await act(() => result.current.loadThrough(12));
    expect(result.current.messages[0].seq).toBeLessThanOrEqual(12);
    expect(last(result.current.messages)?.seq).toBe(150);
    expect(result.current.loadingOlder).toBe(false);
  });

  it("marks read only while the newest row is on screen", async () => {
    const { result, rerender } = renderHook(
      ({ reading }) => useConversation("c1", { readingLatest: reading }),
      { initialProps: { reading: false } },
    );
    await waitFor(() => expect(result.current.loaded).toBe(true));
    expect(ipc.markRead).not.toHaveBeenCalled();
    rerender({ reading: true });
    expect(ipc.markRead).toHaveBeenCalledWith("c1", 150);
  });
});
