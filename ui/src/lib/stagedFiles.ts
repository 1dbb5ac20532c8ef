// Files waiting in a composer to go with the next message, per conversation, for the
// session. Kept outside React so an upload started in one conversation carries on (and
// its chip stays) while another is open; `lib/uploads.ts` drives it, the `upload` core
// events move it along, and components read it with `useStagedFiles`.
import type { UploadId } from "./ipc";
import type { CoreEvent, UploadState } from "./protocol/core";
import type { ConversationId, MediaInfo } from "./protocol/protocol";

/** The server's MAX_ATTACHMENTS_PER_MESSAGE: a message carries at most this many files. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** One file in a composer, from staging until the message goes. */
export type StagedFile = {
  /** Stable for the chip's life (the upload id comes later, and changes on a retry). */
  key: string;
  conversationId: ConversationId;
  /** Where it is on disk: uploaded again from here on a retry. */
  path: string;
  /** Its file name (the core's, once it reports). */
  name: string;
  /** Null until `upload_file` answers. */
  uploadId: UploadId | null;
  state: "uploading" | "done" | "failed";
  sent: number;
  /** Bytes in all; null until the first progress report. */
  total: number | null;
  /** What the message refers to, once uploaded. */
  media: MediaInfo | null;
  /** Why it failed. */
  error: string | null;
  /** Whether trying again may help (not for a file the server refuses as it is). */
  retryable: boolean;
};

/** A conversation's staged files, and notes on files that were not staged (one too
 * many, too big), from the latest attempt. */
export type Staging = { files: readonly StagedFile[]; notes: readonly string[] };

export type UploadEvent = Extract<CoreEvent, { type: "upload" }>;

const EMPTY: Staging = { files: [], notes: [] };
/** Replaced (never changed in place) on every change, for `useSyncExternalStore`. */
const byConversation = new Map<ConversationId, Staging>();
const listeners = new Set<() => void>();
/** The latest event of uploads not yet claimed: an event can overtake `upload_file`'s
 * answer. Each state reported contains all before it, so the last one is enough. */
const unclaimed = new Map<UploadId, UploadEvent>();
const UNCLAIMED_KEPT = 200;
let nextKey = 0;

/** The conversation's staged files and notes, as they stand. */
export function getStaging(conversationId: ConversationId): Staging {
  return byConversation.get(conversationId) ?? EMPTY;
}

/** Calls `listener` after every change; returns the unsubscriber. */
export function subscribeStaging(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function write(conversationId: ConversationId, next: Staging) {
  if (next.files.length === 0 && next.notes.length === 0) byConversation.delete(conversationId);
  else byConversation.set(conversationId, next);
  listeners.forEach((l) => l());
}

/** The last part of a path, on any OS. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** Stages the paths not already staged, as many as fit in one message, and starts the
 * notes afresh (with one when some did not fit). Returns the new files (their uploads
 * are still to start). */
export function addStaged(conversationId: ConversationId, paths: string[]): StagedFile[] {
  const current = getStaging(conversationId);
  const fresh = paths.filter(
    (path, i) => paths.indexOf(path) === i && !current.files.some((f) => f.path === path),
  );
  const room = Math.max(0, MAX_ATTACHMENTS_PER_MESSAGE - current.files.length);
  const added: StagedFile[] = fresh.slice(0, room).map((path) => ({
    key: `staged-${(nextKey += 1)}`,
    conversationId,
    path,
    name: fileName(path),
    uploadId: null,
    state: "uploading",
    sent: 0,
    total: null,
    media: null,
    error: null,
    retryable: true,
  }));
  const left = fresh.length - added.length;
  const notes =
    left > 0
      ? [
          `A message can carry up to ${MAX_ATTACHMENTS_PER_MESSAGE} files: ${left} ${
            left === 1 ? "was" : "were"
          } not added.`,
        ]
      : [];
  write(conversationId, { files: [...current.files, ...added], notes });
  return added;
}

/** Says why a file was not staged (after the notes already there). */
export function addStagingNote(conversationId: ConversationId, note: string) {
  const staging = getStaging(conversationId);
  write(conversationId, { ...staging, notes: [...staging.notes, note] });
}

/** The staged file with this key, wherever it is. */
export function findStaged(key: string): StagedFile | undefined {
  for (const staging of byConversation.values()) {
    const found = staging.files.find((f) => f.key === key);
    if (found) return found;
  }
  return undefined;
}

/** Changes one staged file (nothing if it was removed meanwhile). */
export function updateStaged(key: string, change: Partial<StagedFile>): void {
  const file = findStaged(key);
  if (!file) return;
  const staging = getStaging(file.conversationId);
  write(file.conversationId, {
    ...staging,
    files: staging.files.map((f) => (f.key === key ? { ...f, ...change } : f)),
  });
}

/** Takes one file off the list; returns it as it was. */
export function removeStaged(key: string): StagedFile | undefined {
  const file = findStaged(key);
  if (!file) return undefined;
  const staging = getStaging(file.conversationId);
  write(file.conversationId, { ...staging, files: staging.files.filter((f) => f.key !== key) });
  return file;
}

/** Empties the conversation's list for sending; returns what was on it. */
export function takeStaged(conversationId: ConversationId): readonly StagedFile[] {
  const { files } = getStaging(conversationId);
  write(conversationId, EMPTY);
  return files;
}

/** Puts files back after a send was refused (before any staged since). */
export function restoreStaged(conversationId: ConversationId, files: readonly StagedFile[]) {
  const staging = getStaging(conversationId);
  write(conversationId, { ...staging, files: [...files, ...staging.files] });
}

/** Records the id `upload_file` gave the file and applies any event that came first.
 * False when the file was removed meanwhile (the upload should be cancelled). */
export function claimUpload(key: string, uploadId: UploadId): boolean {
  if (!findStaged(key)) return false;
  updateStaged(key, { uploadId });
  const early = unclaimed.get(uploadId);
  if (early) {
    unclaimed.delete(uploadId);
    applyUploadEvent(early);
  }
  return true;
}

/** Moves a staged file along with the core's report: progress, done (with its media),
 * failed (with the reason), or cancelled (gone from the list). */
export function applyUploadEvent(event: UploadEvent): void {
  const file = getStaging(event.conversation_id).files.find((f) => f.uploadId === event.upload_id);
  if (!file) {
    unclaimed.delete(event.upload_id);
    unclaimed.set(event.upload_id, event);
    if (unclaimed.size > UNCLAIMED_KEPT) unclaimed.delete(unclaimed.keys().next().value!);
    return;
  }
  const change = changeFor(event.state);
  if (change === "remove") removeStaged(file.key);
  else updateStaged(file.key, { name: event.name || file.name, ...change });
}

function changeFor(state: UploadState): Partial<StagedFile> | "remove" {
  switch (state.state) {
    case "progress":
      return { state: "uploading", sent: state.sent, total: state.total };
    case "done":
      return { state: "done", media: state.media, name: state.media.name, error: null };
    case "failed":
      return { state: "failed", error: state.reason, retryable: state.retryable };
    case "cancelled":
      return "remove";
  }
}

/** Forgets everything (on sign-out). */
export function clearStaging(): void {
  byConversation.clear();
  unclaimed.clear();
  listeners.forEach((l) => l());
}
