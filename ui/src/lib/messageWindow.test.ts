import { describe, expect, it } from "vitest";
import { message, messages } from "../test/fixtures";
import {
  mayHaveOlder,
  mergeNewest,
  mergeOlder,
  oldestSeq,
  refreshLimit,
  shortfall,
} from "./messageWindow";

const seqs = (rows: { seq: number | null }[]) => rows.map((m) => m.seq);

describe("the loaded window", () => {
  it("keeps older pages it holds when the newest rows are read again", () => {
    const window = messages(1, 10);
    const fresh = messages(6, 12); // 11 and 12 are new
    expect(seqs(mergeNewest(window, fresh))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("does not grow upwards when a read returns more than it holds", () => {
    expect(seqs(mergeNewest(messages(50, 60), messages(1, 61)))[0]).toBe(50);
    expect(seqs(mergeNewest([], messages(1, 5)))).toEqual([1, 2, 3, 4, 5]);
  });

  it("takes edits and deletions from the fresh read, not the old copy", () => {
    const window = messages(1, 3);
    const edited = messages(2, 3);
    edited[0] = { ...edited[0], event: { kind: "message", client_id: "m2", text: "changed" } };
    const merged = mergeNewest(window, edited);
    expect(merged[1].event).toMatchObject({ text: "changed" });
  });

  it("drops an echo that was discarded, and keeps the ones still pending last", () => {
    const echo = (id: string) => message("me", 0, { seq: null, client_id: id, status: "pending" });
    const window = [...messages(1, 3), echo("gone"), echo("kept")];
    const merged = mergeNewest(window, [...messages(1, 3), echo("kept")]);
    expect(merged.map((m) => m.client_id)).toEqual(["m1", "m2", "m3", "kept"]);
  });

  it("prepends an older page without repeating rows", () => {
    const merged = mergeOlder(messages(5, 8), messages(1, 6));
    expect(seqs(merged)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(oldestSeq(merged)).toBe(1);
  });

  it("asks for the whole window plus room for new rows", () => {
    expect(refreshLimit([])).toBe(60);
    expect(refreshLimit(messages(1, 200))).toBe(250);
  });

  it("asks again when more rows arrived than the room left, so no gap opens", () => {
    // The window reaches down to seq 1; a full read of 250 rows starting at 100 misses 99.
    const fresh = messages(100, 349);
    expect(shortfall(fresh, 250, 1)).toBe(99);
    expect(shortfall(messages(1, 120), 250, 1)).toBe(0);
    expect(shortfall(fresh, 250, null)).toBe(0);
  });

  it("knows when the start of the conversation is loaded", () => {
    expect(mayHaveOlder(messages(1, 30), 60)).toBe(false);
    expect(mayHaveOlder(messages(41, 100), 60)).toBe(true);
    expect(mayHaveOlder([], 60)).toBe(false);
  });
});
