import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { pdf } from "../test/media";

const ipc = vi.hoisted(() => ({
  openMedia: vi.fn(async () => {}),
  saveMedia: vi.fn(async () => "/home/me/Downloads/Report.pdf" as string | null),
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: (e: { message: string }) => e.message,
}));

import { FileCard } from "./FileCard";

const card = () => document.querySelector(".file-card") as HTMLElement;

describe("FileCard", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows the name, the type in words and the size", () => {
    render(<FileCard media={pdf("m1", 1.2 * 1024 * 1024)} />);
    expect(card().dataset).toMatchObject({ mediaId: "m1", kind: "document" });
    expect(card().querySelector(".file-card-name")?.textContent).toBe("Report.pdf");
    expect(card().querySelector(".file-card-type")?.textContent).toBe("PDF document");
    expect(card().querySelector(".file-card-size")?.textContent).toBe("1.2 MB");
  });

  it("names other types by their extension", () => {
    render(<FileCard media={{ ...pdf("m2", 2048), name: "backup.zip", content_type: "application/zip" }} />);
    expect(card().querySelector(".file-card-meta")?.textContent).toBe("ZIP archive · 2 KB");
    expect(card().dataset.kind).toBe("archive");
  });

  it("opens the file, with a spinner while it downloads", async () => {
    let done: () => void = () => {};
    ipc.openMedia.mockImplementationOnce(() => new Promise<void>((resolve) => (done = resolve)));
    const media = pdf("m3");
    render(<FileCard media={media} />);
    const open = within(card()).getByRole("button", { name: "Open" });
    fireEvent.click(open);
    expect(ipc.openMedia).toHaveBeenCalledWith(media);
    expect(open.getAttribute("aria-busy")).toBe("true");
    expect(open.querySelector(".spinner")).not.toBeNull();
    await act(async () => done());
    expect(open.getAttribute("aria-busy")).toBe("false");
    expect(open.querySelector(".spinner")).toBeNull();
  });

  it("says Saved after a save, and nothing when the dialog is cancelled", async () => {
    render(<FileCard media={pdf("m4")} />);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save…" })));
    expect(screen.getByRole("status").textContent).toBe("Saved");
    ipc.saveMedia.mockResolvedValueOnce(null);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save…" })));
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("says why a download failed", async () => {
    ipc.saveMedia.mockRejectedValueOnce({ code: "network", message: "The server cannot be reached." });
    render(<FileCard media={pdf("m5")} />);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Save…" })));
    expect(screen.getByRole("alert").textContent).toBe("The server cannot be reached.");
  });
});
