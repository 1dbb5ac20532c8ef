import { type FormEvent, useEffect, useState } from "react";
import { useAction } from "../hooks/useAction";
import { ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";

const TITLE_MAX = 100;

type Props = { conversationId: ConversationId; title: string };

/** The group's name, editable (admins and the owner). */
export function RenameGroup({ conversationId, title }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  // The new name arrived (ours or someone else's): show it.
  useEffect(() => setDraft(null), [title]);
  const value = draft ?? title;
  const changed = value.trim() !== title && value.trim() !== "";

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!changed) return;
    await run(() => ipc.renameGroup(conversationId, value.trim()));
  }

  return (
    <form className="rename-group" onSubmit={submit} aria-label="Rename the group">
      <label htmlFor="group-settings-title">Group name</label>
      <div className="inline-form">
        <input
          id="group-settings-title"
          name="group-title"
          value={value}
          maxLength={TITLE_MAX}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="primary small" disabled={busy || !changed}>
          Save
        </button>
      </div>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
