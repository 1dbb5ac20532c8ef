import { describe, expect, it } from "vitest";
import { message } from "../test/fixtures";
import { GROUP_GAP_MS } from "./messages";
import { buildTimeline, rowIndexForSeq } from "./timeline";

const day = (d: number, h = 12, min = 0) => new Date(2024, 2, d, h, min).getTime();

function shape(rows: ReturnType<typeof buildTimeline>) {
  return rows.map((r) =>
    r.kind === "message" ? `${r.message.sender}${r.first ? "^" : ""}${r.last ? "$" : ""}` : r.kind,
  );
}

describe("buildTimeline", () => {
  it("puts a day separator before each day's first row", () => {
    const rows = buildTimeline(
      [message("ana", day(11)), message("ana", day(11, 12, 1)), message("ana", day(12))],
      "me",
    );
    expect(shape(rows)).toEqual(["day", "ana^", "ana$", "day", "ana^$"]);
  });

  it("splits a sender's run at midnight even within five minutes", () => {
    const rows = buildTimeline(
      [message("ana", day(11, 23, 59)), message("ana", day(12, 0, 1))],
      "me",
    );
    expect(shape(rows)).toEqual(["day", "ana^$", "day", "ana^$"]);
  });

  it("groups one sender's messages and marks mine", () => {
    const rows = buildTimeline(
      [
        message("me", day(11)),
        message("me", day(11, 12, 2)),
        message("ana", day(11, 12, 3)),
        message("ana", day(11, 12, 3) + GROUP_GAP_MS + 1),
      ],
      "me",
    );
    expect(shape(rows)).toEqual(["day", "me^", "me$", "ana^$", "ana^$"]);
    expect(rows.filter((r) => r.kind === "message" && r.mine)).toHaveLength(2);
  });

  it("keeps system events as rows of their own", () => {
    const created = message("ana", day(11), { event: { kind: "created", members: ["ana", "me"] } });
    const rows = buildTimeline([created, message("ana", day(11, 12, 1))], "me");
    expect(shape(rows)).toEqual(["day", "system", "ana^$"]);
  });

  it("gives every row a distinct key, stable when older rows are added", () => {
    const a = message("ana", day(11));
    const b = message("me", day(12));
    const later = buildTimeline([b], "me").map((r) => r.key);
    const widened = buildTimeline([a, b], "me").map((r) => r.key);
    expect(new Set(widened).size).toBe(widened.length);
    expect(widened.slice(-later.length)).toEqual(later);
  });
});

describe("rowIndexForSeq", () => {
  it("finds the message, or the next one when it is gone", () => {
    const rows = buildTimeline(
      [message("ana", day(11), { seq: 3 }), message("ana", day(11), { seq: 7 })],
      "me",
    );
    expect(rowIndexForSeq(rows, 3)).toBe(1);
    expect(rowIndexForSeq(rows, 5)).toBe(2);
    expect(rowIndexForSeq(rows, 9)).toBe(-1);
  });
});
