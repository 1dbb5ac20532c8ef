import { useRef, type KeyboardEvent } from "react";
import { SKIN_TONES, type SkinTone } from "../lib/emoji";

type Props = { value: SkinTone; onChange: (tone: SkinTone) => void };

/** Six hands, default to dark, for the emoji picker's skin tone. A radio group: Tab
 * reaches the chosen one, ←/→ choose another. */
export function SkinToneChooser({ value, onChange }: Props) {
  const group = useRef<HTMLDivElement>(null);

  function choose(tone: SkinTone) {
    onChange(tone);
    group.current?.querySelectorAll<HTMLButtonElement>("button")[tone]?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    choose(((value + step + SKIN_TONES.length) % SKIN_TONES.length) as SkinTone);
  }

  return (
    <div
      ref={group}
      className="skin-tones"
      role="radiogroup"
      aria-label="Skin tone"
      onKeyDown={onKeyDown}
    >
      {SKIN_TONES.map(({ tone, label, modifier }) => (
        <button
          key={tone}
          type="button"
          role="radio"
          className="skin-tone"
          data-tone={tone}
          aria-checked={tone === value}
          aria-label={label}
          title={label}
          tabIndex={tone === value ? 0 : -1}
          onClick={() => choose(tone)}
        >
          {`\u270B${modifier}`}
        </button>
      ))}
    </div>
  );
}
