import { type KeyboardEvent, type ReactNode, useEffect, useRef } from "react";
import { Icon } from "./Icon";

type Props = {
  /** The dialog's accessible name and visible heading. */
  title: string;
  className?: string;
  onClose: () => void;
  /** Keys the dialog does not use itself (it uses Escape and Tab), from anywhere in it. */
  onKeyDown?: (e: KeyboardEvent) => void;
  children: ReactNode;
};

/** A modal dialog over a dimmed app: focus moves in (to the first field) and goes back
 * where it was on close; Escape, the close button or a click outside closes it; Tab
 * stays inside. */
export function Dialog({ title, className, onClose, onKeyDown: onOtherKey, children }: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first =
      box.current?.querySelector<HTMLElement>("input, select, textarea") ??
      box.current?.querySelector<HTMLElement>("button");
    first?.focus();
    return () => before?.focus?.();
  }, []);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.stopPropagation();
      e.preventDefault();
      onClose();
    } else if (e.key === "Tab") {
      trapTab(e, box.current);
    } else {
      onOtherKey?.(e);
    }
  }

  return (
    <div
      className="overlay"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={box}
        className={`dialog${className ? ` ${className}` : ""}`}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        onKeyDown={onKeyDown}
      >
        <header className="dialog-header">
          <h2>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            <Icon name="close" />
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

/** Keeps Tab and Shift+Tab cycling through the dialog's own controls. */
function trapTab(e: KeyboardEvent, root: HTMLElement | null) {
  if (!root) return;
  const focusable = Array.from(
    root.querySelectorAll<HTMLElement>(
      ["button", "input", "select", "textarea"]
        .map((tag) => `${tag}:not([disabled])`)
        .concat("[tabindex]:not([tabindex='-1'])")
        .join(", "),
    ),
  );
  if (focusable.length === 0) return;
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
