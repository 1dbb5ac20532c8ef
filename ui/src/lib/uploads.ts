// Staging files for a message: starting, cancelling and retrying their uploads through
// the shell. The list itself is kept by `stagedFiles.ts`, moved along by the core's
// `upload` events.
import { formatBytes } from "./fileSize";
import { errorMessage, ipc, isCommandError } from "./ipc";
import { pastedImageName } from "./pastedImage";
import type { ConversationId } from "./protocol/protocol";
import {
  addStaged,
  addStagingNote,
  claimUpload,
  clearStaging,
  findStaged,
  removeStaged,
  updateStaged,
  type StagedFile,
} from "./stagedFiles";

/** The server's limit for one file, once the shell knows it (asked again until then). */
let knownLimit: number | null = null;

async function uploadLimit(): Promise<number | null> {
  if (knownLimit === null) knownLimit = await ipc.maxUploadBytes().catch(() => null);
  return knownLimit;
}

/** Stages files from disk (the picker, a drop) and starts uploading each at once. */
export function stageFiles(conversationId: ConversationId, paths: string[]): void {
  for (const file of addStaged(conversationId, paths)) void startUpload(file);
}

/** Stages pasted images: each is written to disk by the shell first. One over the size
 * limit is refused here, before copying it anywhere. */
export async function stagePastedImages(
  conversationId: ConversationId,
  images: File[],
  now = new Date(),
): Promise<void> {
  const limit = await uploadLimit();
  const paths: string[] = [];
  const notes: string[] = [];
  for (const image of images) {
    const name = pastedImageName(image, now);
    if (limit !== null && image.size > limit) {
      notes.push(`${name} is larger than the ${formatBytes(limit)} limit for one file.`);
      continue;
    }
    try {
      paths.push(await ipc.savePasted(await readBytes(image), name));
    } catch (e) {
      notes.push(`${name}: ${errorMessage(e)}`);
    }
  }
  stageFiles(conversationId, paths);
  notes.forEach((note) => addStagingNote(conversationId, note));
}

/** A blob's bytes. (FileReader rather than `Blob.arrayBuffer`, which jsdom lacks.) */
function readBytes(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

async function startUpload(file: StagedFile): Promise<void> {
  try {
    const uploadId = await ipc.uploadFile(file.conversationId, file.path);
    // Removed while `upload_file` was answering: stop it.
    if (!claimUpload(file.key, uploadId)) void ipc.cancelUpload(uploadId).catch(() => {});
  } catch (e) {
    if (!findStaged(file.key)) return;
    if (isCommandError(e) && e.code === "media_too_large") {
      // Refused as it is: no chip to retry, a note naming the limit instead.
      removeStaged(file.key);
      addStagingNote(file.conversationId, `${file.name}: ${errorMessage(e)}`);
    } else {
      updateStaged(file.key, { state: "failed", error: errorMessage(e), retryable: true });
    }
  }
}

/** Uploads a failed file again, from the same path. */
export function retryStaged(key: string): void {
  const file = findStaged(key);
  if (!file || file.state !== "failed") return;
  const fresh = { uploadId: null, state: "uploading", sent: 0, total: null, error: null } as const;
  updateStaged(key, fresh);
  void startUpload({ ...file, ...fresh });
}

/** Takes a file off the list, cancelling its upload if it is still running. */
export function unstage(key: string): void {
  const file = removeStaged(key);
  if (file?.state === "uploading" && file.uploadId !== null) {
    void ipc.cancelUpload(file.uploadId).catch(() => {});
  }
}

/** Forgets every staged file and the limit (on sign-out: another account or server may
 * come next). */
export function forgetUploads(): void {
  clearStaging();
  knownLimit = null;
}
