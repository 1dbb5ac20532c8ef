import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { hit } from "../components/testData";
import { ipc } from "../lib/ipc";
import type { SearchHit } from "../lib/protocol/core";
import { useSearch } from "./useSearch";

describe("useSearch", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("waits for typing to pause, then asks once for the latest text", async () => {
    const search = vi.spyOn(ipc, "search").mockResolvedValue([hit()]);
    const { result, rerender } = renderHook(({ text }) => useSearch(text, null), {
      initialProps: { text: "r" },
    });
    rerender({ text: "ro" });
    rerender({ text: "rope " });
    expect(result.current.status).toBe("searching");
    await act(async () => {
      vi.advanceTimersByTime(149);
    });
    expect(search).not.toHaveBeenCalled();
    await act(async () => {
      vi.advanceTimersByTime(1);
    });
    expect(search).toHaveBeenCalledTimes(1);
    expect(search).toHaveBeenCalledWith({
      text: "rope",
      conversation: null,
      sender: null,
      since: null,
      until: null,
      has_attachment: null,
      limit: 50,
    });
    expect(result.current).toEqual({ status: "done", hits: [hit()] });
  });

  it("searches one conversation when asked", async () => {
    const search = vi.spyOn(ipc, "search").mockResolvedValue([]);
    renderHook(() => useSearch("rope", "c9"));
    await act(async () => {
      vi.advanceTimersByTime(150);
    });
    expect(search.mock.calls[0][0].conversation).toBe("c9");
  });

  it("drops an answer to text that has since changed", async () => {
    let answerFirst: (hits: SearchHit[]) => void = () => {};
    vi.spyOn(ipc, "search")
      .mockImplementationOnce(() => new Promise((resolve) => (answerFirst = resolve)))
      .mockResolvedValueOnce([hit({ seq: 2 })]);
    const { result, rerender } = renderHook(({ text }) => useSearch(text, null), {
      initialProps: { text: "rope" },
    });
    await act(async () => {
      vi.advanceTimersByTime(150);
    });
    rerender({ text: "ropes" });
    await act(async () => {
      vi.advanceTimersByTime(150);
    });
    await act(async () => answerFirst([hit({ seq: 1 })]));
    expect(result.current.hits.map((h) => h.seq)).toEqual([2]);
  });

  it("is idle with nothing typed, and says why a search failed", async () => {
    vi.spyOn(ipc, "search").mockRejectedValue({
      code: "cache",
      message: "the local cache failed; see the log",
    });
    const { result, rerender } = renderHook(({ text }) => useSearch(text, null), {
      initialProps: { text: "   " },
    });
    expect(result.current.status).toBe("idle");
    rerender({ text: "rope" });
    await act(async () => {
      vi.advanceTimersByTime(150);
    });
    expect(result.current).toEqual({
      status: "failed",
      hits: [],
      error: "the local cache failed; see the log",
    });
  });
});
