import { readerNames, seenByLine } from "../lib/receipts";
import type { ConversationSummary, UserId } from "../lib/protocol/protocol";

/** "Seen by Ana Lima, Bob Stone" under my latest message in a group; nothing until
 * somebody has read it. */
export function SeenBy({
  seq,
  me,
  conversation,
}: {
  seq: number;
  me: UserId;
  conversation: ConversationSummary;
}) {
  const line = seenByLine(readerNames(seq, me, conversation));
  if (!line) return null;
  return (
    <p className="seen-by" aria-live="polite">
      {line}
    </p>
  );
}
