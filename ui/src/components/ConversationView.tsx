import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { useConversation } from "../hooks/useConversation";
import { useTyping } from "../hooks/useTyping";
import { lastEditableSeq } from "../lib/messages";
import { avatarIdFor, conversationTitle, nameOf } from "../lib/people";
import type { ConversationSummary, UserProfile } from "../lib/protocol/protocol";
import { Avatar } from "./Avatar";
import { Composer } from "./Composer";
import { ImageViewerHost } from "./ImageViewerHost";
import { MessageList } from "./MessageList";
import { TypingIndicator } from "./TypingIndicator";
import "../styles/conversation.css";

type Props = {
  me: UserProfile;
  conversation: ConversationSummary;
  /** A message to jump to (loaded if need be, scrolled to the middle, highlighted); a
   * new `key` jumps again. */
  focus?: { seq: number; key: number } | null;
  /** Buttons at the right end of the header (search, group settings). */
  headerActions?: ReactNode;
};

/** One open conversation: header, messages (whose images open in a viewer over it), who
 * is typing, and the composer. Keeps which message is being edited, so ↑ in the
 * composer can open the editor on my last one, and the focus goes back to the composer
 * once an edit is saved or cancelled. */
export function ConversationView({ me, conversation, focus = null, headerActions }: Props) {
  const [readingLatest, setReadingLatest] = useState(true);
  const [latestKey, setLatestKey] = useState(0);
  const { messages, loaded, hasOlder, loadingOlder, loadOlder, loadThrough } = useConversation(
    conversation.id,
    { readingLatest },
  );
  const typing = useTyping(conversation.id, me.id);
  const title = conversationTitle(conversation, me.id);
  const subtitle =
    conversation.kind === "group"
      ? `${conversation.members.length} members`
      : `@${conversation.members.find((m) => m.id !== me.id)?.username ?? ""}`;

  // A jump reads back far enough first; the list scrolls once the message is there.
  const jumped = useRef<number | null>(null);
  useEffect(() => {
    if (!focus || !loaded || jumped.current === focus.key) return;
    jumped.current = focus.key;
    void loadThrough(focus.seq);
  }, [focus, loaded, loadThrough]);

  const [editingSeq, setEditingSeq] = useState<number | null>(null);
  const composerBox = useRef<HTMLTextAreaElement>(null);
  const onEditingChange = useCallback((seq: number, editing: boolean) => {
    if (editing) return setEditingSeq(seq);
    setEditingSeq((current) => (current === seq ? null : current));
    composerBox.current?.focus();
  }, []);
  const editLast = useCallback(() => {
    const seq = lastEditableSeq(messages, me.id);
    if (seq !== null) setEditingSeq(seq);
    return seq !== null;
  }, [messages, me.id]);

  const onLoadOlder = useCallback(() => void loadOlder(), [loadOlder]);
  const onSent = useCallback(() => setLatestKey((k) => k + 1), []);

  return (
    <section className="conversation" aria-label={`Conversation with ${title}`}>
      <header className="conversation-header">
        <Avatar id={avatarIdFor(conversation, me.id)} name={title} />
        <div className="conversation-heading">
          <h2>{title}</h2>
          <span className="muted">{subtitle}</span>
        </div>
        {headerActions && <div className="header-actions">{headerActions}</div>}
      </header>
      <ImageViewerHost>
        <MessageList
          me={me.id}
          conversation={conversation}
          messages={messages}
          loaded={loaded}
          hasOlder={hasOlder}
          loadingOlder={loadingOlder}
          onLoadOlder={onLoadOlder}
          focus={focus}
          latestKey={latestKey}
          onReadingLatestChange={setReadingLatest}
          editingSeq={editingSeq}
          onEditingChange={onEditingChange}
        />
      </ImageViewerHost>
      <TypingIndicator names={typing.map((u) => nameOf(conversation, u))} />
      <Composer
        conversationId={conversation.id}
        onSent={onSent}
        onEditLast={editLast}
        inputRef={composerBox}
      />
    </section>
  );
}
