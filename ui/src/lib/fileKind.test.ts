import { describe, expect, it } from "vitest";
import { fileKind, fileTypeLabel } from "./fileKind";

const file = (name: string, content_type = "application/octet-stream") => ({ name, content_type });

describe("fileTypeLabel", () => {
  it("names the common types", () => {
    expect(fileTypeLabel(file("Report.PDF", "application/pdf"))).toBe("PDF document");
    expect(fileTypeLabel(file("photos.zip", "application/zip"))).toBe("ZIP archive");
    expect(fileTypeLabel(file("song.mp3", "audio/mpeg"))).toBe("MP3 audio");
    expect(fileTypeLabel(file("clip.mov", "video/quicktime"))).toBe("MOV video");
  });

  it("falls back to the extension, upper-cased, and the word file", () => {
    expect(fileTypeLabel(file("model.stl"))).toBe("STL file");
  });

  it("uses the content type when the name has no extension", () => {
    expect(fileTypeLabel(file("invoice", "application/pdf"))).toBe("PDF document");
    expect(fileTypeLabel(file("recording", "audio/ogg"))).toBe("Audio");
    expect(fileTypeLabel(file("README"))).toBe("File");
    expect(fileTypeLabel(file(".bashrc"))).toBe("File");
  });
});

describe("fileKind", () => {
  it("picks the icon by extension, else by content type", () => {
    expect(fileKind(file("a.docx"))).toBe("document");
    expect(fileKind(file("a.tar.gz"))).toBe("archive");
    expect(fileKind(file("a.flac"))).toBe("audio");
    expect(fileKind(file("a", "video/mp4"))).toBe("video");
    expect(fileKind(file("notes", "text/markdown"))).toBe("document");
    expect(fileKind(file("a.bin"))).toBe("generic");
  });
});
