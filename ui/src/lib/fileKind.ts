// What kind of file an attachment is, for its icon and a type people recognise
// ("PDF document", "ZIP archive", "MP3 audio"). The name's extension says it best; the
// server's sniffed content type fills in when there is none.
import type { MediaInfo } from "./protocol/protocol";

/** Decides the icon on a file card. */
export type FileKind = "image" | "document" | "archive" | "audio" | "video" | "generic";

type Known = { kind: FileKind; label?: string };

/** By extension; without a label, the type reads as the extension and the kind's word. */
const BY_EXTENSION: Record<string, Known> = {
  pdf: { kind: "document", label: "PDF document" },
  doc: { kind: "document", label: "Word document" },
  docx: { kind: "document", label: "Word document" },
  odt: { kind: "document", label: "OpenDocument text" },
  rtf: { kind: "document", label: "Rich text document" },
  txt: { kind: "document", label: "Text document" },
  md: { kind: "document", label: "Markdown document" },
  xls: { kind: "document", label: "Excel spreadsheet" },
  xlsx: { kind: "document", label: "Excel spreadsheet" },
  ods: { kind: "document", label: "OpenDocument spreadsheet" },
  csv: { kind: "document", label: "CSV spreadsheet" },
  ppt: { kind: "document", label: "PowerPoint presentation" },
  pptx: { kind: "document", label: "PowerPoint presentation" },
  odp: { kind: "document", label: "OpenDocument presentation" },
  zip: { kind: "archive" },
  "7z": { kind: "archive" },
  rar: { kind: "archive" },
  tar: { kind: "archive" },
  gz: { kind: "archive" },
  tgz: { kind: "archive" },
  bz2: { kind: "archive" },
  xz: { kind: "archive" },
  zst: { kind: "archive" },
  mp3: { kind: "audio" },
  wav: { kind: "audio" },
  ogg: { kind: "audio" },
  oga: { kind: "audio" },
  opus: { kind: "audio" },
  flac: { kind: "audio" },
  m4a: { kind: "audio" },
  aac: { kind: "audio" },
  mp4: { kind: "video" },
  m4v: { kind: "video" },
  mov: { kind: "video" },
  mkv: { kind: "video" },
  webm: { kind: "video" },
  avi: { kind: "video" },
  png: { kind: "image" },
  jpg: { kind: "image" },
  jpeg: { kind: "image" },
  gif: { kind: "image" },
  webp: { kind: "image" },
  avif: { kind: "image" },
  heic: { kind: "image" },
  svg: { kind: "image" },
};

/** The word after the extension when a kind has no label of its own. */
const KIND_WORD: Record<FileKind, string> = {
  image: "image",
  document: "document",
  archive: "archive",
  audio: "audio",
  video: "video",
  generic: "file",
};

/** For names without an extension: the content types worth naming. */
const EXTENSION_BY_TYPE: Record<string, string> = {
  "application/pdf": "pdf",
  "application/zip": "zip",
  "application/gzip": "gz",
  "application/x-7z-compressed": "7z",
  "application/x-tar": "tar",
  "text/plain": "txt",
};

/** The name's extension, lower case, or "" (a leading dot alone is no extension). */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : "";
}

function kindOfType(contentType: string): FileKind {
  const major = contentType.split("/")[0];
  if (major === "image" || major === "audio" || major === "video") return major;
  if (major === "text") return "document";
  return "generic";
}

type Described = Pick<MediaInfo, "name" | "content_type">;

function describe(media: Described): { kind: FileKind; label: string } {
  const extension = extensionOf(media.name) || EXTENSION_BY_TYPE[media.content_type] || "";
  const known = BY_EXTENSION[extension];
  const kind = known?.kind ?? kindOfType(media.content_type);
  if (known?.label) return { kind, label: known.label };
  if (!extension) return { kind, label: kind === "generic" ? "File" : capitalized(KIND_WORD[kind]) };
  return { kind, label: `${extension.toUpperCase()} ${KIND_WORD[known ? kind : "generic"]}` };
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Which icon the file gets. */
export function fileKind(media: Described): FileKind {
  return describe(media).kind;
}

/** Its type in words: "PDF document", "ZIP archive", "XYZ file", or just "File". */
export function fileTypeLabel(media: Described): string {
  return describe(media).label;
}
