import { act, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ipc } from "../lib/ipc";
import { NewGroupDialog } from "./NewGroupDialog";
import { summary } from "./testData";

afterEach(() => vi.restoreAllMocks());

function open() {
  const onCreated = vi.fn();
  const onClose = vi.fn();
  render(<NewGroupDialog onCreated={onCreated} onClose={onClose} />);
  const title = document.querySelector("form.new-group input[name=group-title]") as HTMLInputElement;
  const people = document.querySelector("form.new-group input[name=group-members]") as HTMLInputElement;
  return { onCreated, onClose, title, people };
}

describe("NewGroupDialog", () => {
  it("creates the group with the usernames typed, then opens it", async () => {
    const create = vi.spyOn(ipc, "createGroup").mockResolvedValue(summary({ id: "g1" }));
    const { title, people, onCreated } = open();
    expect(document.activeElement).toBe(title);
    fireEvent.change(title, { target: { value: " Climbers " } });
    fireEvent.change(people, { target: { value: "ana, @bob carol" } });
    expect(Array.from(document.querySelectorAll(".chip"), (c) => c.getAttribute("data-username"))).toEqual([
      "ana",
      "bob",
      "carol",
    ]);
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Create group" })));
    expect(create).toHaveBeenCalledWith("Climbers", ["ana", "bob", "carol"]);
    expect(onCreated).toHaveBeenCalledWith("g1");
  });

  it("takes a person out with their chip's remove button", () => {
    const { people } = open();
    fireEvent.change(people, { target: { value: "ana bob" } });
    fireEvent.click(screen.getByRole("button", { name: "Remove ana" }));
    expect(people.value).toBe("bob");
  });

  it("names the username nobody has", async () => {
    vi.spyOn(ipc, "createGroup").mockRejectedValue({
      code: "user_not_found",
      message: 'Nobody is called "zed".',
    });
    const { title, people, onCreated } = open();
    fireEvent.change(title, { target: { value: "Climbers" } });
    fireEvent.change(people, { target: { value: "ana zed" } });
    await act(async () => fireEvent.submit(title.form!));
    expect(screen.getByRole("alert").textContent).toBe(
      "Nobody has that username: zed. Check the spelling.",
    );
    expect(onCreated).not.toHaveBeenCalled();
    expect((screen.getByRole("button", { name: "Create group" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("cannot be sent without a name, and closes on Escape", () => {
    const { title, onClose } = open();
    expect((screen.getByRole("button", { name: "Create group" }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.keyDown(title, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});
