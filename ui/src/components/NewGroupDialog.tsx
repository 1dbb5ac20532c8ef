import { type FormEvent, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";
import { parseUsernames } from "../lib/usernames";
import { Dialog } from "./Dialog";
import { UsernameChips } from "./UsernameChips";

/** The longest group title the server accepts. */
const TITLE_MAX = 100;

type Props = {
  onCreated: (id: ConversationId) => void;
  onClose: () => void;
};

/** "New group": a title and the people in it, by username. */
export function NewGroupDialog({ onCreated, onClose }: Props) {
  const [title, setTitle] = useState("");
  const [members, setMembers] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const name = title.trim();
    if (!name) {
      setError("Give the group a name.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const group = await ipc.createGroup(name, parseUsernames(members));
      onCreated(group.id);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <Dialog title="New group" className="new-group-dialog" onClose={onClose}>
      <form className="new-group stack" onSubmit={submit} aria-label="New group">
        <label>
          Group name
          <input
            name="group-title"
            value={title}
            maxLength={TITLE_MAX}
            placeholder="Climbing club"
            onChange={(e) => setTitle(e.target.value)}
          />
        </label>
        <label>
          Members
          <input
            name="group-members"
            value={members}
            placeholder="Usernames, separated by commas or spaces"
            aria-describedby="new-group-members-hint"
            onChange={(e) => setMembers(e.target.value)}
          />
        </label>
        <UsernameChips value={members} onChange={setMembers} label="People to add" />
        <p id="new-group-members-hint" className="muted small">
          You can add more people later.
        </p>
        {error && (
          <p className="error small" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !title.trim()}>
            {busy ? "Creating…" : "Create group"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
