import { describe, expect, it } from "vitest";
import { parseUsernames, withoutUsername } from "./usernames";

describe("parseUsernames", () => {
  it("splits on commas, semicolons and spaces", () => {
    expect(parseUsernames("ana, bob carol;dan\n erin")).toEqual([
      "ana",
      "bob",
      "carol",
      "dan",
      "erin",
    ]);
  });

  it("drops a leading @ and empty pieces", () => {
    expect(parseUsernames(" @ana,, ,@bob ")).toEqual(["ana", "bob"]);
    expect(parseUsernames("  , ")).toEqual([]);
  });

  it("keeps each person once, in the first spelling typed", () => {
    expect(parseUsernames("Ana bob ana BOB")).toEqual(["Ana", "bob"]);
  });
});

describe("withoutUsername", () => {
  it("removes one person and tidies the rest", () => {
    expect(withoutUsername("ana bob,carol", "BOB")).toBe("ana, carol");
    expect(withoutUsername("ana", "ana")).toBe("");
  });
});
