import { describe, expect, it } from "vitest";
import { errorMessage } from "./ipc";

describe("errorMessage", () => {
  it("names the username nobody has", () => {
    expect(errorMessage({ code: "user_not_found", message: 'Nobody is called "zed".' })).toBe(
      "Nobody has that username: zed. Check the spelling.",
    );
  });

  it("keeps the server's reason for a refusal by role", () => {
    expect(errorMessage({ code: "forbidden", message: "Only admins can rename the group." })).toBe(
      "Only admins can rename the group.",
    );
  });

  it("says what happened and what to do for group errors", () => {
    expect(errorMessage({ code: "not_a_member", message: "x" })).toMatch(/no longer in the group/);
    expect(errorMessage({ code: "offline", message: "x" })).toMatch(/Try again when back online/);
  });

  it("falls back to the message as it came", () => {
    const already = "Everyone named is already a member.";
    expect(errorMessage({ code: "invalid_conversation", message: already })).toBe(already);
    expect(errorMessage(new Error("boom"))).toBe("boom");
  });

  it("keeps the server's words for a file over the limit", () => {
    expect(errorMessage({ code: "media_too_large", message: "Files can be at most 25 MB." })).toBe(
      "Files can be at most 25 MB.",
    );
    expect(errorMessage({ code: "media_too_large", message: "" })).toBe(
      "That file is too large to send.",
    );
  });
});
