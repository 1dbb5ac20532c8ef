import { act, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ipc } from "../lib/ipc";
import { GroupSettings } from "./GroupSettings";
import { members, summary } from "./testData";

afterEach(() => vi.restoreAllMocks());

function row(username: string) {
  const el = document.querySelector<HTMLElement>(`.member-row[data-username="${username}"]`);
  if (!el) throw new Error(`no row for ${username}`);
  return within(el);
}

function show(roles: Parameters<typeof members>[0], over = {}) {
  const onClose = vi.fn();
  render(
    <GroupSettings
      me="u-me"
      conversation={summary({ members: members(roles), ...over })}
      onClose={onClose}
    />,
  );
  return { onClose };
}

describe("GroupSettings", () => {
  it("shows the owner every control, with roles on the member rows", () => {
    show({ me: "owner", ana: "admin" });
    expect(screen.getByRole("complementary", { name: "Group settings" })).toBeTruthy();
    expect((screen.getByRole("textbox", { name: "Group name" }) as HTMLInputElement).value).toBe(
      "Climbers",
    );
    expect(screen.getByRole("textbox", { name: "Add people" })).toBeTruthy();
    expect(row("me").getByText("Owner")).toBeTruthy();
    expect(row("ana").getByText("Admin")).toBeTruthy();
    expect(row("ana").getByRole("button", { name: "Make Ana Lima a member (not an admin)" })).toBeTruthy();
    expect(row("bob").getByRole("button", { name: "Make Bob Stone an admin" })).toBeTruthy();
    expect(row("bob").getByRole("button", { name: "Make Bob Stone the owner" })).toBeTruthy();
    expect(row("bob").getByRole("button", { name: "Remove Bob Stone" })).toBeTruthy();
    expect(row("me").queryAllByRole("button")).toHaveLength(0);
    expect(screen.getByRole("button", { name: "Leave group" })).toBeTruthy();
  });

  it("lets an admin remove plain members but not touch admins or roles", () => {
    show({ me: "admin", ana: "owner", bob: "admin" });
    expect(screen.getByRole("textbox", { name: "Group name" })).toBeTruthy();
    expect(row("carol").getByRole("button", { name: "Remove Carol Ng" })).toBeTruthy();
    expect(row("carol").queryByRole("button", { name: /admin|owner/ })).toBeNull();
    expect(row("bob").queryAllByRole("button")).toHaveLength(0);
    expect(row("ana").queryAllByRole("button")).toHaveLength(0);
  });

  it("shows a plain member the group read-only, with only Leave", () => {
    show({ ana: "owner" });
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(screen.getByText("Admins and the owner can rename the group.")).toBeTruthy();
    for (const name of ["ana", "bob", "carol"]) expect(row(name).queryAllByRole("button")).toHaveLength(0);
    expect(screen.getByRole("button", { name: "Leave group" })).toBeTruthy();
  });

  it("renames the group with Save, and says why the server refused", async () => {
    const rename = vi.spyOn(ipc, "renameGroup").mockRejectedValue({
      code: "forbidden",
      message: "Only admins can rename the group.",
    });
    show({ me: "admin" });
    const field = screen.getByRole("textbox", { name: "Group name" });
    const save = screen.getByRole("button", { name: "Save" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.change(field, { target: { value: "  Boulderers " } });
    await act(async () => fireEvent.click(save));
    expect(rename).toHaveBeenCalledWith("c1", "Boulderers");
    expect(screen.getByRole("alert").textContent).toBe("Only admins can rename the group.");
  });

  it("asks before removing someone, then removes them", async () => {
    const remove = vi.spyOn(ipc, "removeMember").mockResolvedValue();
    show({ me: "owner" });
    fireEvent.click(row("bob").getByRole("button", { name: "Remove Bob Stone" }));
    expect(remove).not.toHaveBeenCalled();
    const confirm = screen.getByRole("group", { name: "Remove Bob Stone from the group?" });
    await act(async () => fireEvent.click(within(confirm).getByRole("button", { name: "Remove" })));
    expect(remove).toHaveBeenCalledWith("c1", "u-bob");
  });

  it("promotes a member and adds people by username", async () => {
    const setRole = vi.spyOn(ipc, "setRole").mockResolvedValue();
    const add = vi.spyOn(ipc, "addMembers").mockResolvedValue();
    show({ me: "owner" });
    await act(async () =>
      fireEvent.click(row("bob").getByRole("button", { name: "Make Bob Stone an admin" })),
    );
    expect(setRole).toHaveBeenCalledWith("c1", "u-bob", "admin");
    const field = screen.getByRole("textbox", { name: "Add people" }) as HTMLInputElement;
    fireEvent.change(field, { target: { value: "dan, @erin dan" } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Add" })));
    expect(add).toHaveBeenCalledWith("c1", ["dan", "erin"]);
    expect(field.value).toBe("");
  });

  it("leaves after confirming, and closes", async () => {
    const leave = vi.spyOn(ipc, "leaveGroup").mockResolvedValue();
    const { onClose } = show({ ana: "owner" });
    fireEvent.click(screen.getByRole("button", { name: "Leave group" }));
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Leave" })));
    expect(leave).toHaveBeenCalledWith("c1");
    expect(onClose).toHaveBeenCalled();
  });

  it("mutes notifications, keeping the other settings", async () => {
    const set = vi.spyOn(ipc, "setConversationSettings").mockResolvedValue();
    show({ me: "owner" }, { settings: { muted: false, archived: true } });
    const toggle = screen.getByRole("checkbox", { name: "Mute notifications" }) as HTMLInputElement;
    await act(async () => fireEvent.click(toggle));
    expect(set).toHaveBeenCalledWith("c1", { muted: true, muted_until: null, archived: true });
    expect(toggle.checked).toBe(true);
  });

  it("closes on Escape", () => {
    const { onClose } = show({ me: "owner" });
    fireEvent.keyDown(screen.getByRole("textbox", { name: "Group name" }), { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });

  it("shows who a direct chat is with, and muting", () => {
    show({}, { kind: "direct", title: null, members: members().slice(0, 2) });
    expect(screen.getByRole("complementary", { name: "Conversation info" })).toBeTruthy();
    expect(screen.getByText("Ana Lima")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Leave group" })).toBeNull();
    expect(screen.getByRole("checkbox", { name: "Mute notifications" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Archive" })).toBeTruthy();
  });

  it("archives and unarchives, keeping the other settings", async () => {
    const set = vi.spyOn(ipc, "setConversationSettings").mockResolvedValue();
    show({ me: "owner" }, { settings: { muted: true, muted_until: 99, archived: false } });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Archive" })));
    expect(set).toHaveBeenCalledWith("c1", { muted: true, muted_until: 99, archived: true });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Unarchive" })));
    expect(set).toHaveBeenLastCalledWith("c1", { muted: true, muted_until: 99, archived: false });
  });

  it("says why archiving failed, and shows the setting as it was", async () => {
    vi.spyOn(ipc, "setConversationSettings").mockRejectedValue({ code: "offline", message: "" });
    show({ me: "owner" });
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Archive" })));
    expect(screen.getByRole("alert").textContent).toMatch(/Not connected/);
    expect(screen.getByRole("button", { name: "Archive" })).toBeTruthy();
  });
});
