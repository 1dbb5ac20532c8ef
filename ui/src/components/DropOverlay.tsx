type Props = {
  /** Where dropped files would go; null when no conversation is open. */
  conversationTitle: string | null;
};

/** Covers the window while files from the OS are dragged over it, saying where they
 * would go (or that a conversation must be opened first). */
export function DropOverlay({ conversationTitle }: Props) {
  return (
    <div
      className="drop-overlay"
      data-can-drop={conversationTitle !== null}
      role="status"
      aria-live="polite"
    >
      <div className="drop-overlay-message">
        {conversationTitle !== null
          ? `Drop files to send to ${conversationTitle}`
          : "Open a conversation to share files"}
      </div>
    </div>
  );
}
