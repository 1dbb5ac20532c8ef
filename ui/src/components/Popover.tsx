import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type ReactNode,
  type RefObject,
} from "react";
import { createPortal } from "react-dom";

type Props = {
  /** What it opens from: it sits above it (or below, when there is no room), inside the
   * window. */
  anchor: RefObject<HTMLElement | null>;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  /** Which edge lines up with the anchor's: its right ("end", the default) or left. */
  align?: "start" | "end";
};

const GAP = 6;
const MARGIN = 8;

/** A floating panel drawn over everything (outside the scrolling list, so nothing clips
 * it). Closes on Escape and on a press outside it or its anchor. */
export function Popover({ anchor, onClose, children, className, align = "end" }: Props) {
  const panel = useRef<HTMLDivElement>(null);
  const [place, setPlace] = useState<{ top: number; left: number } | null>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useLayoutEffect(() => {
    function position() {
      const a = anchor.current?.getBoundingClientRect();
      const p = panel.current;
      if (!a || !p) return;
      const width = p.offsetWidth;
      const height = p.offsetHeight;
      const above = a.top - GAP - height;
      const top =
        above >= MARGIN ? above : Math.min(a.bottom + GAP, window.innerHeight - height - MARGIN);
      const wanted = align === "end" ? a.right - width : a.left;
      const left = Math.min(Math.max(MARGIN, wanted), window.innerWidth - width - MARGIN);
      setPlace({ top: Math.max(MARGIN, top), left: Math.max(MARGIN, left) });
    }
    position();
    window.addEventListener("resize", position);
    // Any scroll moves the anchor (the message list, mostly).
    document.addEventListener("scroll", position, true);
    return () => {
      window.removeEventListener("resize", position);
      document.removeEventListener("scroll", position, true);
    };
  }, [anchor, align]);

  useEffect(() => {
    function onPointerDown(e: MouseEvent) {
      const target = e.target as Node;
      if (panel.current?.contains(target) || anchor.current?.contains(target)) return;
      close.current();
    }
    document.addEventListener("mousedown", onPointerDown);
    return () => document.removeEventListener("mousedown", onPointerDown);
  }, [anchor]);

  return createPortal(
    <div
      ref={panel}
      className={`popover${className ? ` ${className}` : ""}`}
      // Unplaced for the first moment: see-through but focusable (an autofocused control
      // inside must take the focus).
      style={place ? { top: place.top, left: place.left } : { top: 0, left: 0, opacity: 0 }}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          close.current();
        }
      }}
    >
      {children}
    </div>,
    document.body,
  );
}
