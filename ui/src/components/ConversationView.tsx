import { useConversation } from "../hooks/useConversation";
import { useTyping } from "../hooks/useTyping";
import { avatarIdFor, conversationTitle, nameOf } from "../lib/people";
import type { ConversationSummary, UserProfile } from "../lib/protocol/protocol";
import { Avatar } from "./Avatar";
import { Composer } from "./Composer";
import { MessageList } from "./MessageList";
import { TypingIndicator } from "./TypingIndicator";

type Props = { me: UserProfile; conversation: ConversationSummary };

/** One open conversation: header, messages, who is typing, and the composer. */
export function ConversationView({ me, conversation }: Props) {
  const { messages, loaded } = useConversation(conversation.id);
  const typing = useTyping(conversation.id, me.id);
  const title = conversationTitle(conversation, me.id);
  const subtitle =
    conversation.kind === "group"
      ? `${conversation.members.length} members`
      : `@${conversation.members.find((m) => m.id !== me.id)?.username ?? ""}`;

  return (
    <section className="conversation" aria-label={`Conversation with ${title}`}>
      <header className="conversation-header">
        <Avatar id={avatarIdFor(conversation, me.id)} name={title} />
        <div>
          <h2>{title}</h2>
          <span className="muted">{subtitle}</span>
        </div>
      </header>
      <MessageList me={me.id} conversation={conversation} messages={messages} loaded={loaded} />
      <TypingIndicator names={typing.map((u) => nameOf(conversation, u))} />
      <Composer conversationId={conversation.id} />
    </section>
  );
}
