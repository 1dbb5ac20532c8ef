import { useRef } from "react";
import { useDesktopEvent } from "./useDesktopEvent";

/** Our own chime (scripts/make-sound.mjs), shipped in public/. */
export const NOTIFICATION_SOUND_URL = "/sounds/notification.wav";

/** Plays the notification chime when the shell asks (it asks only when the settings
 * want a sound). One audio element, made on first use and restarted each time. */
export function useNotificationSound(): void {
  const audio = useRef<HTMLAudioElement | null>(null);
  useDesktopEvent("play-sound", () => {
    audio.current ??= new Audio(NOTIFICATION_SOUND_URL);
    audio.current.currentTime = 0;
    // Refused without an audio device (a test machine): nothing to do about it.
    audio.current.play()?.catch(() => {});
  });
}
