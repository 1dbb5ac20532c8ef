import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { MediaInfo } from "../lib/protocol/protocol";

const ipc = vi.hoisted(() => ({
  draft: vi.fn(async () => null as string | null),
  setDraft: vi.fn(async () => {}),
  setTyping: vi.fn(async () => {}),
  sendMessage: vi.fn(async () => "client-id"),
  pickFiles: vi.fn(async () => [] as string[]),
  // Each upload's id is "up:" and its path.
  uploadFile: vi.fn(async (_conversation: string, path: string) => `up:${path}`),
  cancelUpload: vi.fn(async () => {}),
  savePasted: vi.fn(async (_bytes: Uint8Array, name: string) => `/tmp/${name}`),
  maxUploadBytes: vi.fn(async () => null as number | null),
}));
vi.mock("../lib/ipc", () => {
  const isCommandError = (e: unknown): e is { code: string; message: string } =>
    typeof e === "object" && e !== null && "code" in e;
  return {
    ipc,
    isCommandError,
    errorMessage: (e: unknown) => (isCommandError(e) ? e.message : String(e)),
  };
});

import { applyUploadEvent, type UploadEvent } from "../lib/stagedFiles";
import { forgetUploads } from "../lib/uploads";
import { Composer } from "./Composer";

describe("Composer", () => {
  beforeEach(() => vi.clearAllMocks());

  it("sends on Enter and clears", () => {
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "hello there" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(ipc.sendMessage).toHaveBeenCalledWith("c1", "hello there", []);
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

describe("Composer emoji", () => {
  beforeEach(() => vi.clearAllMocks());

  it("inserts the picked emoji at the caret", async () => {
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "hello world" } });
    box.setSelectionRange(5, 5);
    fireEvent.click(screen.getByRole("button", { name: "Insert emoji" }));
    const picker = screen.getByRole("dialog", { name: "Emoji picker" });
    fireEvent.change(within(picker).getByRole("searchbox"), { target: { value: "waving hand" } });
    fireEvent.click(await within(picker).findByRole("button", { name: "Waving hand" }));
    expect(box.value).toBe("hello👋 world");
    expect(box.selectionStart).toBe(5 + "👋".length);
    expect(document.activeElement).toBe(box);
    expect(screen.queryByRole("dialog", { name: "Emoji picker" })).toBeNull();
  });

  it("closes the picker with Escape and goes back to the text", () => {
    render(<Composer conversationId="c1" />);
    fireEvent.click(screen.getByRole("button", { name: "Insert emoji" }));
    fireEvent.keyDown(screen.getByRole("searchbox", { name: "Search emoji" }), { key: "Escape" });
    expect(screen.queryByRole("dialog", { name: "Emoji picker" })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("textbox", { name: "Message" }));
  });

  it("says why a send was refused and gives the text back", async () => {
    ipc.sendMessage.mockRejectedValueOnce("offline");
    render(<Composer conversationId="c1" />);
    const box = screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: "hi" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toBe("offline");
    expect(box.value).toBe("hi");
  });
});

function media(id: string, name: string, size = 1000): MediaInfo {
  return { id, name, size, content_type: "application/pdf", sha256: "", has_thumbnail: false };
}

/** The core reporting on the upload of `path` (ids are "up:" + path in these tests). */
function report(path: string, state: UploadEvent["state"], conversation = "c1") {
  act(() =>
    applyUploadEvent({
      type: "upload",
      upload_id: `up:${path}`,
      conversation_id: conversation,
      name: path.split("/").pop()!,
      state,
    }),
  );
}

const chips = () => Array.from(document.querySelectorAll<HTMLElement>(".staged-file"));
const chip = (name: string) => chips().find((c) => c.textContent?.includes(name))!;
const sendButton = () => screen.getByRole("button", { name: "Send" }) as HTMLButtonElement;

async function attach(...paths: string[]) {
  ipc.pickFiles.mockResolvedValueOnce(paths);
  fireEvent.click(screen.getByRole("button", { name: "Attach files" }));
  // The picker answers, then each upload_file.
  await act(async () => {});
}

describe("Composer files", () => {
  beforeEach(() => {
    vi.clearAllMocks();
    forgetUploads();
  });

  it("uploads attached files at once, shows their progress, and sends them with the text", async () => {
    render(<Composer conversationId="c1" />);
    await attach("/home/me/report.pdf", "/home/me/notes.pdf");
    expect(ipc.uploadFile).toHaveBeenCalledWith("c1", "/home/me/report.pdf");
    expect(ipc.uploadFile).toHaveBeenCalledWith("c1", "/home/me/notes.pdf");
    expect(chips().map((c) => c.dataset.state)).toEqual(["uploading", "uploading"]);

    report("/home/me/report.pdf", { state: "progress", sent: 50, total: 200 });
    const bar = within(chip("report.pdf")).getByRole("progressbar") as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([50, 200]);

    const box = screen.getByRole("textbox", { name: "Message" });
    fireEvent.change(box, { target: { value: "the files" } });
    expect(sendButton().disabled).toBe(true);
    expect(sendButton().title).toBe("Waiting for uploads to finish");
    fireEvent.keyDown(box, { key: "Enter" });
    expect(ipc.sendMessage).not.toHaveBeenCalled();

    report("/home/me/report.pdf", { state: "done", media: media("m1", "report.pdf") });
    expect(sendButton().disabled).toBe(true);
    report("/home/me/notes.pdf", { state: "done", media: media("m2", "notes.pdf", 2048) });
    expect(chips().map((c) => c.dataset.state)).toEqual(["done", "done"]);
    expect(chip("notes.pdf").textContent).toContain("2 KB");
    expect(sendButton().disabled).toBe(false);
    expect(sendButton().title).toBe("");

    fireEvent.keyDown(box, { key: "Enter" });
    expect(ipc.sendMessage).toHaveBeenCalledWith("c1", "the files", ["m1", "m2"]);
    expect(chips()).toEqual([]);
  });

  it("sends files without any text", async () => {
    render(<Composer conversationId="c1" />);
    await attach("/home/me/report.pdf");
    report("/home/me/report.pdf", { state: "done", media: media("m1", "report.pdf") });
    fireEvent.click(sendButton());
    expect(ipc.sendMessage).toHaveBeenCalledWith("c1", "", ["m1"]);
  });

  it("puts the files back when the send is refused", async () => {
    ipc.sendMessage.mockRejectedValueOnce("offline");
    render(<Composer conversationId="c1" />);
    await attach("/home/me/report.pdf");
    report("/home/me/report.pdf", { state: "done", media: media("m1", "report.pdf") });
    fireEvent.click(sendButton());
    expect((await screen.findByRole("alert")).textContent).toBe("offline");
    expect(chips().map((c) => c.dataset.state)).toEqual(["done"]);
  });

  it("cancels an upload in flight, and removes a finished one", async () => {
    render(<Composer conversationId="c1" />);
    await attach("/home/me/big.pdf", "/home/me/small.pdf");
    report("/home/me/small.pdf", { state: "done", media: media("m2", "small.pdf") });
    fireEvent.click(screen.getByRole("button", { name: "Cancel big.pdf" }));
    expect(ipc.cancelUpload).toHaveBeenCalledWith("up:/home/me/big.pdf");
    fireEvent.click(screen.getByRole("button", { name: "Remove small.pdf" }));
    expect(ipc.cancelUpload).toHaveBeenCalledTimes(1);
    expect(chips()).toEqual([]);
  });

  it("cancels an upload removed before upload_file answered", async () => {
    let answer: (id: string) => void = () => {};
    ipc.uploadFile.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    render(<Composer conversationId="c1" />);
    await attach("/home/me/slow.pdf");
    fireEvent.click(screen.getByRole("button", { name: "Cancel slow.pdf" }));
    await act(async () => answer("up-late"));
    expect(ipc.cancelUpload).toHaveBeenCalledWith("up-late");
  });

  it("says why an upload failed, and retries it from the same path", async () => {
    render(<Composer conversationId="c1" />);
    await attach("/home/me/report.pdf");
    report("/home/me/report.pdf", {
      state: "failed",
      reason: "The server cannot be reached.",
      retryable: true,
    });
    const failed = chip("report.pdf");
    expect(failed.dataset.state).toBe("failed");
    expect(failed.textContent).toContain("The server cannot be reached.");
    fireEvent.click(within(failed).getByRole("button", { name: "Retry" }));
    expect(chip("report.pdf").dataset.state).toBe("uploading");
    await act(async () => {});
    expect(ipc.uploadFile).toHaveBeenCalledTimes(2);
    expect(ipc.uploadFile).toHaveBeenLastCalledWith("c1", "/home/me/report.pdf");
    // The new upload reports under its (new) id.
    report("/home/me/report.pdf", { state: "done", media: media("m1", "report.pdf") });
    expect(chip("report.pdf").dataset.state).toBe("done");
  });

  it("offers no retry when trying again cannot help", async () => {
    render(<Composer conversationId="c1" />);
    await attach("/home/me/virus.exe");
    report("/home/me/virus.exe", { state: "failed", reason: "Not allowed.", retryable: false });
    expect(within(chip("virus.exe")).queryByRole("button", { name: "Retry" })).toBeNull();
    expect(screen.getByRole("button", { name: "Remove virus.exe" })).toBeTruthy();
  });

  it("stages at most 10 files for a message and says what was left out", async () => {
    render(<Composer conversationId="c1" />);
    const paths = Array.from({ length: 12 }, (_, i) => `/home/me/photo-${i + 1}.png`);
    await attach(...paths);
    expect(chips()).toHaveLength(10);
    expect(ipc.uploadFile).toHaveBeenCalledTimes(10);
    expect(screen.getByRole("status").textContent).toBe(
      "A message can carry up to 10 files: 2 were not added.",
    );
    await attach("/home/me/one-more.png");
    expect(chips()).toHaveLength(10);
    expect(screen.getByRole("status").textContent).toBe(
      "A message can carry up to 10 files: 1 was not added.",
    );
  });

  it("refuses a file over the size limit with the server's words", async () => {
    ipc.uploadFile.mockRejectedValueOnce({
      code: "media_too_large",
      message: "Files can be at most 25 MB.",
    });
    render(<Composer conversationId="c1" />);
    await attach("/home/me/movie.mkv");
    expect(chips()).toEqual([]);
    expect(screen.getByRole("status").textContent).toBe("movie.mkv: Files can be at most 25 MB.");
  });

  it("stages a pasted image under a dated name", async () => {
    render(<Composer conversationId="c1" />);
    const image = new File([new Uint8Array([137, 80, 78, 71])], "image.png", { type: "image/png" });
    fireEvent.paste(screen.getByRole("textbox", { name: "Message" }), {
      clipboardData: { files: [image], types: ["Files"] },
    });
    await waitFor(() => expect(ipc.uploadFile).toHaveBeenCalled());
    const [bytes, name] = ipc.savePasted.mock.calls[0];
    expect(Array.from(bytes)).toEqual([137, 80, 78, 71]);
    expect(name).toMatch(/^Pasted image \d{4}-\d{2}-\d{2} \d{2}\.\d{2}\.png$/);
    expect(ipc.uploadFile).toHaveBeenCalledWith("c1", `/tmp/${name}`);
    expect(chips()).toHaveLength(1);
  });

  it("refuses a pasted image over the limit at once, naming the limit", async () => {
    ipc.maxUploadBytes.mockResolvedValueOnce(1024);
    render(<Composer conversationId="c1" />);
    const image = new File([new Uint8Array(2048)], "holiday.png", { type: "image/png" });
    fireEvent.paste(screen.getByRole("textbox", { name: "Message" }), {
      clipboardData: { files: [image], types: ["Files"] },
    });
    expect((await screen.findByRole("status")).textContent).toBe(
      "holiday.png is larger than the 1 KB limit for one file.",
    );
    expect(ipc.savePasted).not.toHaveBeenCalled();
    expect(chips()).toEqual([]);
  });

  it("keeps each conversation's files apart, and keeps them while another is open", async () => {
    const { rerender } = render(<Composer conversationId="c1" />);
    await attach("/home/me/report.pdf");
    rerender(<Composer key="c2" conversationId="c2" />);
    expect(chips()).toEqual([]);
    // An upload of c1 finishes while c2 is open.
    report("/home/me/report.pdf", { state: "done", media: media("m1", "report.pdf") });
    rerender(<Composer key="c1" conversationId="c1" />);
    expect(chips().map((c) => c.dataset.state)).toEqual(["done"]);
  });
});
