import { useEffect, useRef } from "react";
import { groupMessages } from "../lib/messages";
import { describeEvent, nameOf } from "../lib/people";
import type { CachedMessage } from "../lib/protocol/core";
import type { ConversationSummary, UserId } from "../lib/protocol/protocol";
import { clockTime } from "../lib/time";
import { Avatar } from "./Avatar";
import { MessageBubble } from "./MessageBubble";

type Props = {
  me: UserId;
  conversation: ConversationSummary;
  messages: CachedMessage[];
  loaded: boolean;
};

/** The messages, grouped by sender, newest at the bottom (kept in view as they arrive). */
export function MessageList({ me, conversation, messages, loaded }: Props) {
  const end = useRef<HTMLDivElement>(null);
  const groups = groupMessages(messages);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length]);

  return (
    <div className="messages" role="log" aria-label="Messages" aria-live="polite">
      {loaded && messages.length === 0 && <p className="muted centered">Say hello 👋</p>}
      {groups.map((group) => {
        if (group.system) {
          return (
            <p key={group.key} className="system-event">
              {describeEvent(group.messages[0].event, conversation)}
            </p>
          );
        }
        const mine = group.sender === me;
        const name = nameOf(conversation, group.sender);
        return (
          <div key={group.key} className={`group ${mine ? "mine" : "theirs"}`}>
            {!mine && <Avatar id={group.sender} name={name} size="small" />}
            <div className="group-body">
              <div className="group-meta">
                {!mine && conversation.kind === "group" && <strong>{name}</strong>}
                <time>{clockTime(group.messages[0].ts)}</time>
              </div>
              {group.messages.map((m) => (
                <MessageBubble key={m.client_id ?? m.seq} message={m} mine={mine} />
              ))}
            </div>
          </div>
        );
      })}
      <div ref={end} />
    </div>
  );
}
