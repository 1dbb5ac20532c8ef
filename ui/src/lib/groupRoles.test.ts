import { describe, expect, it } from "vitest";
import { members, summary } from "../components/testData";
import { groupAbilities, sortedMembers } from "./groupRoles";

function member(username: string, c = summary()) {
  const m = c.members.find((x) => x.username === username);
  if (!m) throw new Error(username);
  return m;
}

describe("groupAbilities", () => {
  it("lets the owner do everything to others, nothing to themself", () => {
    const c = summary({ members: members({ me: "owner", ana: "admin" }) });
    const can = groupAbilities(c, "u-me");
    expect([can.rename, can.addMembers, can.leave]).toEqual([true, true, true]);
    expect(can.actionsOn(member("ana", c))).toEqual({
      remove: true,
      makeAdmin: false,
      makeMember: true,
      makeOwner: true,
    });
    expect(can.actionsOn(member("bob", c))).toEqual({
      remove: true,
      makeAdmin: true,
      makeMember: false,
      makeOwner: true,
    });
    expect(Object.values(can.actionsOn(member("me", c)))).not.toContain(true);
  });

  it("lets an admin rename, add and remove plain members only", () => {
    const c = summary({ members: members({ me: "admin", ana: "owner", bob: "admin" }) });
    const can = groupAbilities(c, "u-me");
    expect([can.rename, can.addMembers, can.leave]).toEqual([true, true, true]);
    expect(can.actionsOn(member("carol", c))).toEqual({
      remove: true,
      makeAdmin: false,
      makeMember: false,
      makeOwner: false,
    });
    expect(Object.values(can.actionsOn(member("bob", c)))).not.toContain(true);
    expect(Object.values(can.actionsOn(member("ana", c)))).not.toContain(true);
  });

  it("lets a plain member only leave", () => {
    const c = summary({ members: members({ ana: "owner" }) });
    const can = groupAbilities(c, "u-me");
    expect([can.rename, can.addMembers, can.leave]).toEqual([false, false, true]);
    for (const m of c.members) expect(Object.values(can.actionsOn(m))).not.toContain(true);
  });

  it("gives a former member and a direct chat nothing to manage", () => {
    const left = groupAbilities(summary({ removed_at: 9 }), "u-me");
    expect([left.role, left.rename, left.leave]).toEqual([null, false, false]);
    const direct = groupAbilities(summary({ kind: "direct" }), "u-me");
    expect([direct.role, direct.rename, direct.addMembers, direct.leave]).toEqual([
      null,
      false,
      false,
      false,
    ]);
  });
});

describe("sortedMembers", () => {
  it("lists the owner, then admins, then members by name", () => {
    const sorted = sortedMembers(members({ carol: "owner", bob: "admin" }));
    expect(sorted.map((m) => m.username)).toEqual(["carol", "bob", "ana", "me"]);
  });
});
