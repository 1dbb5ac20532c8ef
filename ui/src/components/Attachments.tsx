import { fitWithin, type Size } from "../lib/imageBox";
import type { MediaInfo } from "../lib/protocol/protocol";
import { AttachmentImage } from "./AttachmentImage";
import { FileCard } from "./FileCard";

/** Each image's cell when a message has several (two to a row). */
const GRID_CELL: Size = { width: 156, height: 156 };

/** An image whose size the server knows is shown as a picture; anything else as a card. */
function isPicture(media: MediaInfo): boolean {
  return media.content_type.startsWith("image/") && !!media.width && !!media.height;
}

/** A message's files: pictures first (a grid when there are several), then file cards. */
export function Attachments({ media }: { media: MediaInfo[] }) {
  const pictures = media.filter(isPicture);
  const files = media.filter((m) => !isPicture(m));
  return (
    <div className="attachments">
      {pictures.length > 0 && (
        <div className={`attachment-images${pictures.length > 1 ? " attachment-grid" : ""}`}>
          {pictures.map((m) => (
            <AttachmentImage
              key={m.id}
              media={m}
              size={pictures.length > 1 ? GRID_CELL : fitWithin({ width: m.width!, height: m.height! })}
            />
          ))}
        </div>
      )}
      {files.map((m) => (
        <FileCard key={m.id} media={m} />
      ))}
    </div>
  );
}
