import { beforeEach, describe, expect, it } from "vitest";
import {
  addStaged,
  applyUploadEvent,
  claimUpload,
  clearStaging,
  getStaging,
  takeStaged,
  type UploadEvent,
} from "./stagedFiles";

function event(upload_id: string, state: UploadEvent["state"]): UploadEvent {
  return { type: "upload", upload_id, conversation_id: "c1", name: "a.pdf", state };
}

describe("staged files", () => {
  beforeEach(clearStaging);

  it("stages a path once, however often it is dropped", () => {
    addStaged("c1", ["/a.pdf", "/a.pdf"]);
    addStaged("c1", ["/a.pdf", "/b.pdf"]);
    expect(getStaging("c1").files.map((f) => f.name)).toEqual(["a.pdf", "b.pdf"]);
  });

  it("names a Windows path by its last part", () => {
    addStaged("c1", ["C:\\Users\\me\\Report.docx"]);
    expect(getStaging("c1").files[0].name).toBe("Report.docx");
  });

  it("applies a report that came before upload_file's answer", () => {
    const [file] = addStaged("c1", ["/a.pdf"]);
    applyUploadEvent(event("up-1", { state: "progress", sent: 5, total: 10 }));
    expect(getStaging("c1").files[0].sent).toBe(0);
    expect(claimUpload(file.key, "up-1")).toBe(true);
    expect(getStaging("c1").files[0]).toMatchObject({ uploadId: "up-1", sent: 5, total: 10 });
  });

  it("drops a file whose upload was cancelled elsewhere", () => {
    const [file] = addStaged("c1", ["/a.pdf"]);
    claimUpload(file.key, "up-1");
    applyUploadEvent(event("up-1", { state: "cancelled" }));
    expect(getStaging("c1").files).toEqual([]);
  });

  it("says a removed file's upload should stop", () => {
    const [file] = addStaged("c1", ["/a.pdf"]);
    takeStaged("c1");
    expect(claimUpload(file.key, "up-1")).toBe(false);
  });
});
