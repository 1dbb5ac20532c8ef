import { type ReactNode, useState } from "react";

type Props = {
  /** The button's text ("Leave group"). */
  children: ReactNode;
  /** Its accessible name, when the text alone is ambiguous ("Remove Bob Stone"). */
  label?: string;
  /** The question asked before doing it ("Remove Bob Stone from the group?"). */
  question: string;
  /** The confirming button's text ("Remove"). */
  confirm: string;
  className?: string;
  danger?: boolean;
  disabled?: boolean;
  onConfirm: () => void;
};

/** A button for something hard to undo: the first click asks, in place, and only the
 * second one does it. (No window.confirm: webviews differ in whether they show it.) */
export function ConfirmButton({
  children,
  label,
  question,
  confirm,
  className,
  danger,
  disabled,
  onConfirm,
}: Props) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className={className ?? "ghost"}
        aria-label={label}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {children}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(e) => {
        // Escape takes the question back (not the panel around it).
        if (e.key === "Escape") {
          e.stopPropagation();
          e.preventDefault();
          setAsking(false);
        }
      }}
    >
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className={`confirm-yes${danger ? " danger" : " primary small"}`}
        // The question replaced the button that had the focus.
        autoFocus
        disabled={disabled}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button type="button" className="ghost confirm-no" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
