import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { photo } from "../test/media";

const ipc = vi.hoisted(() => ({
  mediaFile: vi.fn(async (media: { id: string }, variant: string) => `/cache/${media.id}.${variant}`),
  openMedia: vi.fn(async () => {}),
  saveMedia: vi.fn(async () => "/home/me/Beach.jpg"),
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: String,
  fileUrl: (path: string) => `asset://localhost${path}`,
}));

import { ImageViewer } from "./ImageViewer";

// jsdom lays nothing out: the stage is 800 × 600, so a 4000 × 3000 photo fits at 20%.
const STAGE = { clientWidth: 800, clientHeight: 600 };
beforeAll(() => {
  for (const [name, value] of Object.entries(STAGE)) {
    Object.defineProperty(HTMLElement.prototype, name, {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains("image-viewer-stage") ? value : 0;
      },
    });
  }
});
afterAll(() => {
  for (const name of Object.keys(STAGE)) {
    delete (HTMLElement.prototype as unknown as Record<string, unknown>)[name];
  }
});

const level = () => screen.getByRole("status", { name: "Zoom level" }).textContent;
const stage = () => document.querySelector(".image-viewer-stage") as HTMLElement;
const canvas = () => document.querySelector(".image-viewer-canvas") as HTMLElement;
const button = (name: string) => screen.getByRole("button", { name });
const dialog = () => screen.getByRole("dialog", { name: "Beach.jpg" });

async function open(id: string, onClose = () => {}) {
  const media = photo(id);
  render(<ImageViewer media={media} onClose={onClose} />);
  await act(async () => {});
  return media;
}

describe("ImageViewer", () => {
  beforeEach(() => vi.clearAllMocks());

  it("shows the name and size, the thumbnail while the full image loads, then the image", async () => {
    const media = await open("v1");
    expect(dialog().textContent).toContain("2.4 MB · 4000 × 3000");
    expect(ipc.mediaFile).toHaveBeenCalledWith(media, "content");
    expect(stage().dataset.stage).toBe("preview");
    expect(document.querySelector<HTMLImageElement>(".image-viewer-preview")?.src).toBe(
      "asset://localhost/cache/v1.thumbnail",
    );
    const full = screen.getByRole("img", { name: "Beach.jpg" }) as HTMLImageElement;
    expect(full.src).toBe("asset://localhost/cache/v1.content");
    fireEvent.load(full);
    expect(stage().dataset.stage).toBe("full");
    expect(document.querySelector(".image-viewer-preview")).toBeNull();
  });

  it("fits the image at first, and zooms with the buttons", async () => {
    await open("v2");
    expect(level()).toBe("20%");
    expect(stage().dataset.zoom).toBe("fit");
    expect(button("Fit").getAttribute("aria-pressed")).toBe("true");
    expect(canvas().style.width).toBe("800px");
    fireEvent.click(button("Zoom in"));
    expect(level()).toBe("25%");
    expect(button("Fit").getAttribute("aria-pressed")).toBe("false");
    fireEvent.click(button("100%"));
    expect(level()).toBe("100%");
    expect(button("100%").getAttribute("aria-pressed")).toBe("true");
    expect(canvas().style.width).toBe("4000px");
    fireEvent.click(button("Zoom out"));
    expect(level()).toBe("80%");
    fireEvent.click(button("Fit"));
    expect(level()).toBe("20%");
  });

  it("zooms with + - 0 and the mouse wheel, and closes with Escape", async () => {
    const onClose = vi.fn();
    await open("v3", onClose);
    fireEvent.keyDown(dialog(), { key: "+" });
    expect(level()).toBe("25%");
    fireEvent.keyDown(dialog(), { key: "-" });
    expect(level()).toBe("20%");
    fireEvent.wheel(stage(), { deltaY: -100 });
    expect(level()).toBe("25%");
    fireEvent.keyDown(dialog(), { key: "0" });
    expect(stage().dataset.zoom).toBe("fit");
    fireEvent.keyDown(dialog(), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });

  it("moves around a zoomed image with the arrows, never past its edges", async () => {
    await open("v4");
    expect(stage().dataset.pannable).toBe("false");
    fireEvent.click(button("100%"));
    expect(stage().dataset.pannable).toBe("true");
    fireEvent.keyDown(dialog(), { key: "ArrowRight" });
    expect(canvas().style.transform).toBe("translate(-48px, 0px)");
    for (let i = 0; i < 100; i += 1) fireEvent.keyDown(dialog(), { key: "ArrowUp" });
    // 3000 px tall in a 600 px stage: at most 1200 px either way.
    expect(canvas().style.transform).toBe("translate(-48px, 1200px)");
  });

  it("opens and saves the file", async () => {
    const media = await open("v5");
    await act(async () => fireEvent.click(button("Open")));
    expect(ipc.openMedia).toHaveBeenCalledWith(media);
    await act(async () => fireEvent.click(button("Save…")));
    expect(ipc.saveMedia).toHaveBeenCalledWith(media);
    expect(dialog().textContent).toContain("Saved");
  });
});
