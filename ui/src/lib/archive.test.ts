import { describe, expect, it } from "vitest";
import { conversation } from "../test/fixtures";
import { archiveSummary, listed } from "./archive";

const chat = (id: string, archived: boolean, unread = 0) => ({
  ...conversation(),
  id,
  unread_count: unread,
  settings: { muted: false, archived },
});

describe("the archive", () => {
  const all = [chat("a", false, 2), chat("b", true, 3), chat("c", true), chat("d", false)];

  it("splits the list, keeping its order", () => {
    expect(listed(all, false).map((c) => c.id)).toEqual(["a", "d"]);
    expect(listed(all, true).map((c) => c.id)).toEqual(["b", "c"]);
  });

  it("counts archived conversations and their unread messages only", () => {
    expect(archiveSummary(all)).toEqual({ count: 2, unread: 3 });
    expect(archiveSummary([chat("a", false, 5)])).toEqual({ count: 0, unread: 0 });
  });
});
