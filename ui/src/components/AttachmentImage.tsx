import { useMemo, useState } from "react";
import { useMediaFile } from "../hooks/useMediaFile";
import { useOpenImage } from "../hooks/useOpenImage";
import type { Size } from "../lib/imageBox";
import { fileUrl } from "../lib/ipc";
import { placeholderUrl } from "../lib/placeholder";
import type { MediaInfo } from "../lib/protocol/protocol";

type Props = { media: MediaInfo; size: Size };

/**
 * An image in a message, in a box of its final size from the start (the list does not
 * jump): its blurred placeholder at once, the thumbnail over it once that has loaded
 * (`data-stage` says which is showing). Click or Enter opens the viewer.
 */
export function AttachmentImage({ media, size }: Props) {
  const openImage = useOpenImage();
  const placeholder = useMemo(() => placeholderUrl(media.placeholder), [media.placeholder]);
  const thumbnail = useMediaFile(media, "thumbnail", media.has_thumbnail);
  const [loaded, setLoaded] = useState(false);
  const stage = loaded ? "thumbnail" : placeholder ? "placeholder" : "none";

  return (
    <button
      type="button"
      className="attachment-image"
      data-stage={stage}
      data-media-id={media.id}
      style={{ width: size.width, height: size.height }}
      aria-label={`View ${media.name}`}
      title={media.name}
      onClick={() => openImage?.(media)}
    >
      {placeholder && !loaded && (
        <img className="attachment-placeholder" src={placeholder} alt="" draggable={false} />
      )}
      {thumbnail.path && (
        <img
          className="attachment-thumbnail"
          src={fileUrl(thumbnail.path)}
          alt=""
          draggable={false}
          data-loaded={loaded}
          onLoad={() => setLoaded(true)}
        />
      )}
    </button>
  );
}
