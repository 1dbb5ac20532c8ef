import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CoreEvent } from "../lib/protocol/core";

const events = vi.hoisted(() => ({ handlers: [] as ((e: CoreEvent) => void)[] }));
vi.mock("../lib/ipc", () => ({
  onCoreEvent: async (handler: (e: CoreEvent) => void) => {
    events.handlers.push(handler);
    return () => {
      events.handlers = events.handlers.filter((h) => h !== handler);
    };
  },
}));

import { TYPING_TTL_MS, useTyping } from "./useTyping";

function emit(event: CoreEvent) {
  act(() => events.handlers.forEach((h) => h(event)));
}

describe("useTyping", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    events.handlers = [];
  });
  afterEach(() => vi.useRealTimers());

  it("shows who types here, and forgets them when they stop or go quiet", async () => {
    const { result } = renderHook(() => useTyping("c1", "me"));
    await act(async () => {});
    emit({ type: "typing", conversation_id: "c1", user_id: "ana", typing: true });
    emit({ type: "typing", conversation_id: "c2", user_id: "bob", typing: true });
    emit({ type: "typing", conversation_id: "c1", user_id: "me", typing: true });
    expect(result.current).toEqual(["ana"]);

    emit({ type: "typing", conversation_id: "c1", user_id: "ana", typing: false });
    expect(result.current).toEqual([]);

    emit({ type: "typing", conversation_id: "c1", user_id: "ana", typing: true });
    act(() => {
      vi.advanceTimersByTime(TYPING_TTL_MS + 1000);
    });
    expect(result.current).toEqual([]);
  });
});
