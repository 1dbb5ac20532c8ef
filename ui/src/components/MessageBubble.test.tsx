import { fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CachedMessage } from "../lib/protocol/core";

const ipc = vi.hoisted(() => ({ retry: vi.fn(async () => {}), discard: vi.fn(async () => {}) }));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: (e: { message: string }) => e.message,
}));

import { MessageBubble } from "./MessageBubble";

function failed(): CachedMessage {
  return {
    conversation_id: "c1",
    seq: null,
    client_id: "client-1",
    sender: "me",
    ts: 0,
    status: "failed",
    error: { code: "text_too_long", message: "The text is too long." },
    event: { kind: "message", client_id: "client-1", text: "a very long text" },
  };
}

describe("MessageBubble", () => {
  beforeEach(() => vi.clearAllMocks());

  it("offers retry and discard for a failed send of mine", () => {
    render(<MessageBubble message={failed()} mine={true} />);
    expect(screen.getByRole("img", { name: "Not sent" })).toBeTruthy();
    expect(screen.getByText("The text is too long.")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(ipc.retry).toHaveBeenCalledWith("client-1");
    fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    expect(ipc.discard).toHaveBeenCalledWith("client-1");
  });

  it("shows no tick or actions on someone else's message", () => {
    render(<MessageBubble message={{ ...failed(), status: "sent" }} mine={false} />);
    expect(screen.queryByRole("img")).toBeNull();
    expect(screen.queryByRole("button")).toBeNull();
  });
});
