import { describe, expect, it } from "vitest";
import { conversation, message } from "../test/fixtures";
import { latestOwnSeq, readerNames, receiptState, seenByLine } from "./receipts";

const mine = (seq: number) => message("me", 0, { seq });
const receipt = (user_id: string, delivered_seq: number, read_seq: number) => ({
  user_id,
  delivered_seq,
  read_seq,
});

describe("receiptState", () => {
  it("is pending or failed while the message has no place in the log", () => {
    expect(receiptState(message("me", 0, { seq: null, status: "pending" }), "me", [])).toBe(
      "pending",
    );
    expect(receiptState(message("me", 0, { seq: null, status: "failed" }), "me", [])).toBe(
      "failed",
    );
  });

  it("goes sent, delivered, read as another member's marks pass its seq", () => {
    expect(receiptState(mine(5), "me", [receipt("ana", 4, 4)])).toBe("sent");
    expect(receiptState(mine(5), "me", [receipt("ana", 5, 4)])).toBe("delivered");
    expect(receiptState(mine(5), "me", [receipt("ana", 9, 5)])).toBe("read");
  });

  it("ignores my own marks (my other devices)", () => {
    expect(receiptState(mine(5), "me", [receipt("me", 9, 9), receipt("ana", 0, 0)])).toBe("sent");
  });

  it("counts a group message read once any other member read it", () => {
    const receipts = [receipt("ana", 5, 5), receipt("bob", 2, 2)];
    expect(receiptState(mine(5), "me", receipts)).toBe("read");
  });
});

describe("seen by", () => {
  it("names the others who read up to the seq, in member order", () => {
    const c = conversation([receipt("bob", 7, 7), receipt("me", 9, 9), receipt("ana", 8, 6)]);
    expect(readerNames(6, "me", c)).toEqual(["Ana Lima", "Bob Stone"]);
    expect(readerNames(7, "me", c)).toEqual(["Bob Stone"]);
    expect(readerNames(8, "me", c)).toEqual([]);
  });

  it("reads as a sentence, shortened for big groups", () => {
    expect(seenByLine([])).toBe("");
    expect(seenByLine(["Ana Lima", "Bob Stone"])).toBe("Seen by Ana Lima, Bob Stone");
    expect(seenByLine(["A", "B", "C", "D", "E", "F", "G"])).toBe(
      "Seen by A, B, C, D, E and 2 others",
    );
  });

  it("goes under my newest sent message, not a pending one or someone else's", () => {
    const page = [
      mine(3),
      message("ana", 0, { seq: 4 }),
      message("me", 0, { seq: null, status: "pending" }),
    ];
    expect(latestOwnSeq(page, "me")).toBe(3);
    expect(latestOwnSeq([message("ana", 0, { seq: 1 })], "me")).toBeNull();
  });
});
