import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { errorMessage } from "../lib/ipc";

type Props = {
  initial: string;
  /** Saves the new text; a rejection keeps the editor open with the reason. */
  onSave: (text: string) => Promise<void>;
  onCancel: () => void;
};

/** My message's text, editable in place: Enter saves, Shift+Enter starts a new line,
 * Escape cancels. */
export function MessageEditor({ initial, onSave, onCancel }: Props) {
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  async function save() {
    const body = text.trim();
    if (saving) return;
    if (!body || body === initial.trim()) return onCancel();
    setSaving(true);
    setError(null);
    try {
      await onSave(body);
    } catch (e) {
      setError(errorMessage(e));
      setSaving(false);
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    }
  }

  return (
    <div className="message-editor">
      <textarea
        ref={box}
        name="edit-message"
        aria-label="Edit message"
        rows={Math.min(8, Math.max(1, text.split("\n").length))}
        value={text}
        disabled={saving}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="message-editor-actions">
        <span className="muted small">Enter to save, Esc to cancel</span>
        <button type="button" className="ghost small" onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className="primary small"
          disabled={saving}
          onClick={() => void save()}
        >
          Save
        </button>
      </div>
      {error && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
