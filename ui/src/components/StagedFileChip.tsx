import { fileKind } from "../lib/fileKind";
import { formatBytes } from "../lib/fileSize";
import type { StagedFile } from "../lib/stagedFiles";
import { retryStaged, unstage } from "../lib/uploads";
import { Icon } from "./Icon";

/** One file waiting to go with the next message: its name, the upload's progress, × to
 * cancel it (or remove it once uploaded or failed), and for a failed one why, with Retry
 * when trying again may help. */
export function StagedFileChip({ file }: { file: StagedFile }) {
  const uploading = file.state === "uploading";
  const kind = fileKind({ name: file.name, content_type: file.media?.content_type ?? "" });
  return (
    <li
      className="staged-file"
      data-state={file.state}
      data-upload-id={file.uploadId ?? undefined}
      title={file.path}
    >
      <Icon name={`file-${kind}`} size={16} />
      <span className="staged-file-name">{file.name}</span>
      {uploading && (
        <progress
          className="staged-file-progress"
          aria-label={`Uploading ${file.name}`}
          // No total yet: an indeterminate bar.
          value={file.total ? file.sent : undefined}
          max={file.total || undefined}
        />
      )}
      {file.state === "done" && file.media && (
        <span className="staged-file-size">{formatBytes(file.media.size)}</span>
      )}
      {file.state === "failed" && (
        <>
          <span className="staged-file-error" role="alert">
            {file.error}
          </span>
          {file.retryable && (
            <button
              type="button"
              className="staged-file-retry link small"
              onClick={() => retryStaged(file.key)}
            >
              Retry
            </button>
          )}
        </>
      )}
      <button
        type="button"
        className="staged-file-remove chip-remove"
        aria-label={uploading ? `Cancel ${file.name}` : `Remove ${file.name}`}
        title={uploading ? "Cancel the upload" : "Remove"}
        onClick={() => unstage(file.key)}
      >
        ×
      </button>
    </li>
  );
}
