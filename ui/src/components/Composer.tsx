import type { KeyboardEvent } from "react";
import { useDraft } from "../hooks/useDraft";
import { useTypingSignal } from "../hooks/useTypingSignal";
import { errorMessage, ipc } from "../lib/ipc";
import type { ConversationId } from "../lib/protocol/protocol";

/** Enter sends, Shift+Enter starts a new line. The text is kept as a draft per conversation. */
export function Composer({ conversationId }: { conversationId: ConversationId }) {
  const [text, setText] = useDraft(conversationId);
  const typing = useTypingSignal(conversationId);

  function send() {
    const body = text.trim();
    if (!body) return;
    setText("");
    typing.stopped();
    ipc.sendMessage(conversationId, body).catch((e) => {
      console.error("send", errorMessage(e));
      setText(body);
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  }

  return (
    <div className="composer">
      <textarea
        name="composer"
        aria-label="Message"
        placeholder="Write a message…"
        rows={Math.min(6, Math.max(1, text.split("\n").length))}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value) typing.typed();
          else typing.stopped();
        }}
        onKeyDown={onKeyDown}
      />
      <button
        type="button"
        className="primary send"
        aria-label="Send"
        disabled={!text.trim()}
        onClick={send}
      >
        ➤
      </button>
    </div>
  );
}
