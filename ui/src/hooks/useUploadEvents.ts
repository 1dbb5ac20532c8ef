import { useEffect } from "react";
import { applyUploadEvent } from "../lib/stagedFiles";
import { forgetUploads } from "../lib/uploads";
import { useCoreEvents } from "./useCoreEvents";

/** Moves every conversation's staged files along with the core's upload reports (not
 * only the open one's: uploads carry on in the background), and forgets them all on
 * unmount (sign-out). */
export function useUploadEvents(): void {
  useCoreEvents((event) => {
    if (event.type === "upload") applyUploadEvent(event);
  });
  useEffect(() => forgetUploads, []);
}
