import { fileKind, fileTypeLabel } from "../lib/fileKind";
import { formatBytes } from "../lib/fileSize";
import type { MediaInfo } from "../lib/protocol/protocol";
import { Icon } from "./Icon";
import { MediaButtons } from "./MediaButtons";

/** A file that is not shown as a picture: an icon for its kind, its name, its type and
 * size in words, and Open and Save…. */
export function FileCard({ media }: { media: MediaInfo }) {
  const kind = fileKind(media);
  return (
    <div
      className="file-card"
      data-media-id={media.id}
      data-kind={kind}
      role="group"
      aria-label={media.name}
    >
      <span className="file-card-icon">
        <Icon name={`file-${kind}`} size={22} />
      </span>
      <span className="file-card-text">
        <span className="file-card-name" title={media.name}>
          {media.name}
        </span>
        <span className="file-card-meta">
          <span className="file-card-type">{fileTypeLabel(media)}</span>
          {" · "}
          <span className="file-card-size">{formatBytes(media.size)}</span>
        </span>
      </span>
      <MediaButtons media={media} />
    </div>
  );
}
