import { act, fireEvent, render, screen } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { photo } from "../test/media";

const ipc = vi.hoisted(() => ({
  mediaFile: vi.fn(async (media: { id: string }, variant: string) => `/cache/${media.id}.${variant}`),
  openMedia: vi.fn(async () => {}),
  saveMedia: vi.fn(async () => null),
}));
vi.mock("../lib/ipc", () => ({
  ipc,
  errorMessage: String,
  fileUrl: (path: string) => `asset://localhost${path}`,
}));

import { AttachmentImage } from "./AttachmentImage";
import { ImageViewerHost } from "./ImageViewerHost";

const box = () => document.querySelector(".attachment-image") as HTMLElement;

describe("AttachmentImage", () => {
  beforeEach(() => vi.clearAllMocks());

  it("paints the placeholder at once and switches to the thumbnail only once it has loaded", async () => {
    const media = photo("p1");
    render(<AttachmentImage media={media} size={{ width: 320, height: 240 }} />);
    expect(box().dataset.stage).toBe("placeholder");
    expect(box().style.width).toBe("320px");
    expect(box().style.height).toBe("240px");
    expect(box().querySelector<HTMLImageElement>(".attachment-placeholder")?.src).toMatch(
      /^data:image\/png;base64,/,
    );
    await act(async () => {});
    expect(ipc.mediaFile).toHaveBeenCalledWith(media, "thumbnail");
    const thumbnail = box().querySelector<HTMLImageElement>(".attachment-thumbnail")!;
    expect(thumbnail.src).toBe("asset://localhost/cache/p1.thumbnail");
    // In the page, but not yet decoded: the placeholder still shows.
    expect(box().dataset.stage).toBe("placeholder");
    fireEvent.load(thumbnail);
    expect(box().dataset.stage).toBe("thumbnail");
  });

  it("stays on the placeholder when there is no thumbnail", async () => {
    render(<AttachmentImage media={photo("p2", { has_thumbnail: false })} size={{ width: 100, height: 100 }} />);
    await act(async () => {});
    expect(ipc.mediaFile).not.toHaveBeenCalled();
    expect(box().dataset.stage).toBe("placeholder");
  });

  it("is a neutral box with neither", async () => {
    render(
      <AttachmentImage
        media={photo("p3", { has_thumbnail: false, placeholder: null })}
        size={{ width: 100, height: 100 }}
      />,
    );
    expect(box().dataset.stage).toBe("none");
    expect(box().querySelector("img")).toBeNull();
  });

  it("opens the viewer on click, named after the file", async () => {
    render(
      <ImageViewerHost>
        <AttachmentImage media={photo("p4")} size={{ width: 320, height: 240 }} />
      </ImageViewerHost>,
    );
    fireEvent.click(screen.getByRole("button", { name: "View Beach.jpg" }));
    expect(screen.getByRole("dialog", { name: "Beach.jpg" }).classList).toContain("image-viewer");
    await act(async () => {});
    expect(ipc.mediaFile).toHaveBeenCalledWith(expect.objectContaining({ id: "p4" }), "content");
  });
});
