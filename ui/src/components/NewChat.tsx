import { type FormEvent, type Ref, useState } from "react";
import { errorMessage, ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";

type Props = {
  onOpened: (id: ConversationId) => void;
  /** The username field, for Ctrl+N. */
  inputRef?: Ref<HTMLInputElement>;
};

/** "New chat by username": opens (or finds) the direct conversation. */
export function NewChat({ onOpened, inputRef }: Props) {
  const [username, setUsername] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const name = username.trim().replace(/^@/, "");
    if (!name) return;
    setBusy(true);
    setError(null);
    try {
      const conversation = await ipc.openDirect(name);
      setUsername("");
      onOpened(conversation.id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="new-chat" onSubmit={submit} aria-label="New chat">
      <div className="new-chat-row">
        <input
          ref={inputRef}
          name="new-chat-username"
          aria-keyshortcuts="Control+N"
          aria-label="Username to chat with"
          placeholder="New chat: username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <button type="submit" className="primary small" disabled={busy || !username.trim()}>
          Chat
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
