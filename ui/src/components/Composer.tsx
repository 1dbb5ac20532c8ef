import {
  useLayoutEffect,
  useRef,
  useState,
  type ClipboardEvent,
  type KeyboardEvent,
  type RefObject,
} from "react";
import { useDraft } from "../hooks/useDraft";
import { useStagedFiles } from "../hooks/useStagedFiles";
import { useTypingSignal } from "../hooks/useTypingSignal";
import { insertAtCaret } from "../lib/emoji";
import { errorMessage, ipc } from "../lib/ipc";
import type { ConversationId, MediaId } from "../lib/protocol/protocol";
import { restoreStaged, takeStaged } from "../lib/stagedFiles";
import { stageFiles, stagePastedImages } from "../lib/uploads";
import { EmojiPicker } from "./EmojiPicker";
import { Icon } from "./Icon";
import { Popover } from "./Popover";
import { StagedFileChip } from "./StagedFileChip";
import "../styles/conversation.css";

type Props = {
  conversationId: ConversationId;
  /** After a message is handed to the core (the list then jumps to the newest). */
  onSent?: () => void;
  /** ↑ in the empty box: open the editor on my last message. Says whether there was one
   * (else the key does what it always does). */
  onEditLast?: () => boolean;
  /** The text box, for the view to give the focus back to after an edit. */
  inputRef?: RefObject<HTMLTextAreaElement>;
};

/** Enter sends, Shift+Enter starts a new line, ↑ in the empty box edits my last message;
 * the emoji button inserts at the caret. The text is kept as a draft per conversation.
 * Files (attached, pasted or dropped on the window) upload at once and show as chips
 * above the text; they go with the message, which waits until every upload has
 * finished. */
export function Composer({ conversationId, onSent, onEditLast, inputRef }: Props) {
  const [text, setText] = useDraft(conversationId);
  const { files, notes } = useStagedFiles(conversationId);
  const uploading = files.some((f) => f.state === "uploading");
  const ready = files.some((f) => f.state === "done");
  const canSend = !uploading && (text.trim() !== "" || ready);
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const typing = useTypingSignal(conversationId);
  const ownBox = useRef<HTMLTextAreaElement>(null);
  const box = inputRef ?? ownBox;
  const emojiButton = useRef<HTMLButtonElement>(null);
  // Where the caret goes once the text with an inserted emoji is on screen.
  const caret = useRef<number | null>(null);

  useLayoutEffect(() => {
    if (caret.current === null || !box.current) return;
    box.current.focus();
    box.current.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [text]);

  function send() {
    if (!canSend) return;
    const body = text.trim();
    const staged = takeStaged(conversationId);
    const attachments: MediaId[] = staged.flatMap((f) => (f.media ? [f.media.id] : []));
    setText("");
    setError(null);
    typing.stopped();
    onSent?.();
    ipc.sendMessage(conversationId, body, attachments).catch((e) => {
      setError(errorMessage(e));
      setText(body);
      restoreStaged(conversationId, staged);
    });
  }

  function attach() {
    setError(null);
    ipc.pickFiles().then(
      (paths) => stageFiles(conversationId, paths),
      (e) => setError(errorMessage(e)),
    );
  }

  /** Pasted images are staged; any text pasted with them goes in as usual. */
  function onPaste(e: ClipboardEvent<HTMLTextAreaElement>) {
    const images = Array.from(e.clipboardData.files).filter((f) => f.type.startsWith("image/"));
    if (images.length === 0) return;
    if (!e.clipboardData.types.includes("text/plain")) e.preventDefault();
    void stagePastedImages(conversationId, images);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    } else if (
      e.key === "ArrowUp" &&
      !(e.shiftKey || e.altKey || e.ctrlKey || e.metaKey) &&
      !e.nativeEvent.isComposing &&
      text === "" &&
      e.currentTarget.selectionStart === 0 &&
      e.currentTarget.selectionEnd === 0 &&
      onEditLast?.()
    ) {
      e.preventDefault();
    }
  }

  function insertEmoji(emoji: string) {
    const el = box.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = insertAtCaret(text, start, end, emoji);
    caret.current = next.caret;
    setText(next.text);
    typing.typed();
    setPicking(false);
  }

  function closePicker() {
    setPicking(false);
    box.current?.focus();
  }

  return (
    <div className="composer">
      {error && (
        <p className="composer-error error small" role="alert">
          {error}
        </p>
      )}
      {notes.map((note) => (
        <p key={note} className="composer-note small" role="status">
          {note}
        </p>
      ))}
      {files.length > 0 && (
        <ul className="staged-files" aria-label="Files to send">
          {files.map((file) => (
            <StagedFileChip key={file.key} file={file} />
          ))}
        </ul>
      )}
      <button
        type="button"
        className="attach-button composer-tool"
        aria-label="Attach files"
        title="Attach files"
        onClick={attach}
      >
        <Icon name="paperclip" size={20} />
      </button>
      <button
        ref={emojiButton}
        type="button"
        className="emoji-button composer-tool"
        aria-label="Insert emoji"
        title="Insert emoji"
        aria-haspopup="dialog"
        aria-expanded={picking}
        onClick={() => (picking ? closePicker() : setPicking(true))}
      >
        <svg
          aria-hidden="true"
          viewBox="0 0 20 20"
          width="20"
          height="20"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.6"
          strokeLinecap="round"
        >
          <circle cx="10" cy="10" r="7.5" />
          <path d="M7 12.2c.8 1 1.8 1.5 3 1.5s2.2-.5 3-1.5M7.5 8h.01M12.5 8h.01" />
        </svg>
      </button>
      {picking && (
        <Popover anchor={emojiButton} onClose={closePicker} align="start">
          <EmojiPicker onPick={insertEmoji} onClose={closePicker} />
        </Popover>
      )}
      <textarea
        ref={box}
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
        onPaste={onPaste}
      />
      <button
        type="button"
        className="primary send"
        aria-label="Send"
        title={uploading ? "Waiting for uploads to finish" : undefined}
        disabled={!canSend}
        onClick={send}
      >
        ➤
      </button>
    </div>
  );
}
