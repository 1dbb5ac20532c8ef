import { type FormEvent, useState } from "react";
import { useAction } from "../hooks/useAction";
import { ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";
import { parseUsernames } from "../lib/usernames";
import { UsernameChips } from "./UsernameChips";

/** "Add people" by username (admins and the owner). */
export function AddMembers({ conversationId }: { conversationId: ConversationId }) {
  const [text, setText] = useState("");
  const { busy, error, run } = useAction();
  const names = parseUsernames(text);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (names.length === 0) return;
    if (await run(() => ipc.addMembers(conversationId, names))) setText("");
  }

  return (
    <form className="add-members" onSubmit={submit} aria-label="Add people">
      <label htmlFor="group-settings-add">Add people</label>
      <div className="inline-form">
        <input
          id="group-settings-add"
          name="add-members"
          placeholder="Usernames"
          title="Usernames, separated by commas or spaces"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="primary small" disabled={busy || names.length === 0}>
          Add
        </button>
      </div>
      <UsernameChips value={text} onChange={setText} label="People to add" />
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
