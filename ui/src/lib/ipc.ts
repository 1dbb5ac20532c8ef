// The one door to the Rust shell: typed wrappers over Tauri's `invoke`, the `core-event`
// stream and the shell's own events. Argument names are snake_case, like the generated
// types.
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  CachedMessage,
  ConnectionState,
  CoreEvent,
  MediaVariant,
  SearchHit,
  SearchQuery,
} from "./protocol/core";
import type { DesktopSettings } from "./protocol/desktop";
import type {
  ConversationId,
  ConversationSettings,
  ConversationSummary,
  MediaId,
  MediaInfo,
  Presence,
  Role,
  UserId,
  UserProfile,
} from "./protocol/protocol";

/** What a failed command rejects with (the shell's `CommandError`). */
export type CommandError = { code: string; message: string };

/** A message's id chosen by this client (a UUID). */
export type ClientMessageId = string;

/** One file's upload, as the core names it in `upload` events. */
export type UploadId = string;

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** A person-readable sentence for any rejection. */
export function errorMessage(e: unknown): string {
  if (isCommandError(e)) {
    const friendly = FRIENDLY[e.code];
    if (typeof friendly === "function") return friendly(e.message);
    return friendly ?? e.message;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

/** The name in the server's `Nobody is called "x".` */
function quotedName(message: string): string | null {
  return /"([^"]+)"/.exec(message)?.[1] ?? null;
}

/** By error code: a sentence, or one made from the server's own message (which names the
 * person or the rule). Codes not here show the server's message as it is. */
const FRIENDLY: Record<string, string | ((message: string) => string)> = {
  invalid_credentials: "Wrong username or password.",
  username_taken: "That username is taken.",
  user_not_found: (message) => {
    const name = quotedName(message);
    return name
      ? `Nobody has that username: ${name}. Check the spelling.`
      : "Nobody has that username. Check the spelling.";
  },
  weak_password: "Choose a longer password (at least 10 characters).",
  network: "The server cannot be reached. Check the address and your connection.",
  offline: "Not connected right now. Try again when back online.",
  // The server says which rule it was ("Only the owner can change roles.").
  forbidden: (message) =>
    message || "Your role in this group does not allow that. Ask the owner or an admin.",
  not_a_member: "That person is no longer in the group; the member list will catch up.",
  not_found: "That is no longer there, or you are no longer in this conversation.",
  rate_limited: "Too many changes at once. Wait a few seconds and try again.",
  unavailable: "The server is busy right now. Try again in a moment.",
  internal: "Something went wrong on the server. Try again in a moment.",
  signed_out: "You are signed out. Sign in again to continue.",
  // The server's own sentence names the limit ("Files can be at most 25 MB.").
  media_too_large: (message) => message || "That file is too large to send.",
  // A local file could not be read or written; the message names it and says why.
  file: (message) => message,
  unsupported: (message) => message || "That is not available on this computer.",
};

export const ipc = {
  serverAddress: () => invoke<string>("server_address"),
  lastAccount: () => invoke<string | null>("last_account"),
  me: () => invoke<UserProfile | null>("me"),
  resume: (username: string) => invoke<UserProfile | null>("resume", { username }),
  signUp: (server: string, username: string, display_name: string, password: string) =>
    invoke<UserProfile>("sign_up", { server, username, display_name, password }),
  signIn: (server: string, username: string, password: string) =>
    invoke<UserProfile>("sign_in", { server, username, password }),
  signOut: () => invoke<void>("sign_out"),
  connectionState: () => invoke<ConnectionState>("connection_state"),
  presence: () => invoke<Presence[]>("presence"),

  conversations: () => invoke<ConversationSummary[]>("conversations"),
  openDirect: (username: string) => invoke<ConversationSummary>("open_direct", { username }),
  createGroup: (title: string, members: string[]) =>
    invoke<ConversationSummary>("create_group", { title, members }),
  setTyping: (conversation_id: ConversationId, typing: boolean) =>
    invoke<void>("set_typing", { conversation_id, typing }),
  markRead: (conversation_id: ConversationId, seq: number) =>
    invoke<void>("mark_read", { conversation_id, seq }),
  setDraft: (conversation_id: ConversationId, text: string) =>
    invoke<void>("set_draft", { conversation_id, text }),
  draft: (conversation_id: ConversationId) => invoke<string | null>("draft", { conversation_id }),
  search: (query: SearchQuery) => invoke<SearchHit[]>("search", { query }),

  renameGroup: (conversation_id: ConversationId, title: string) =>
    invoke<void>("rename_group", { conversation_id, title }),
  addMembers: (conversation_id: ConversationId, usernames: string[]) =>
    invoke<void>("add_members", { conversation_id, usernames }),
  removeMember: (conversation_id: ConversationId, user_id: UserId) =>
    invoke<void>("remove_member", { conversation_id, user_id }),
  /** `admin` or `member`; ownership moves only with `transferOwnership`. */
  setRole: (conversation_id: ConversationId, user_id: UserId, role: Exclude<Role, "owner">) =>
    invoke<void>("set_role", { conversation_id, user_id, role }),
  transferOwnership: (conversation_id: ConversationId, user_id: UserId) =>
    invoke<void>("transfer_ownership", { conversation_id, user_id }),
  leaveGroup: (conversation_id: ConversationId) => invoke<void>("leave_group", { conversation_id }),
  /** Replaces my settings for the conversation entirely (send them all, changed or not). */
  setConversationSettings: (conversation_id: ConversationId, settings: ConversationSettings) =>
    invoke<void>("set_conversation_settings", { conversation_id, settings }),

  page: (conversation_id: ConversationId, before: number | null, limit: number) =>
    invoke<CachedMessage[]>("page", { conversation_id, before, limit }),
  sendMessage: (conversation_id: ConversationId, text: string, attachments: MediaId[] = []) =>
    invoke<ClientMessageId>("send_message", { conversation_id, text, attachments }),
  retry: (client_id: ClientMessageId) => invoke<void>("retry", { client_id }),
  discard: (client_id: ClientMessageId) => invoke<void>("discard", { client_id }),
  editMessage: (conversation_id: ConversationId, seq: number, text: string) =>
    invoke<void>("edit_message", { conversation_id, seq, text }),
  deleteMessage: (conversation_id: ConversationId, seq: number) =>
    invoke<void>("delete_message", { conversation_id, seq }),
  react: (conversation_id: ConversationId, seq: number, emoji: string, add: boolean) =>
    invoke<void>("react", { conversation_id, seq, emoji, add }),

  /** Starts sending a local file in the background; progress comes as `upload` events. */
  uploadFile: (conversation_id: ConversationId, path: string) =>
    invoke<UploadId>("upload_file", { conversation_id, path }),
  cancelUpload: (upload_id: UploadId) => invoke<void>("cancel_upload", { upload_id }),
  /** Writes pasted bytes to a file (to upload like any other); resolves to its path. The
   * bytes go as the raw request body, the name in a header. */
  savePasted: (bytes: Uint8Array, name: string) =>
    invoke<string>("save_pasted", bytes, {
      headers: { "x-file-name": encodeURIComponent(name) },
    }),
  /** The OS file picker; an empty list when cancelled. */
  pickFiles: () => invoke<string[]>("pick_files"),
  /** The server's size limit for one file, when known. */
  maxUploadBytes: () => invoke<number | null>("max_upload_bytes"),
  /** Downloads (or finds in the cache) a file's bytes; resolves to a local path. */
  mediaFile: (media: MediaInfo, variant: MediaVariant) =>
    invoke<string>("media_file", { media, variant }),
  /** Opens the file in the system's app for its type. */
  openMedia: (media: MediaInfo) => invoke<void>("open_media", { media }),
  /** Asks where to save a copy; the path saved to, or null when cancelled. */
  saveMedia: (media: MediaInfo) => invoke<string | null>("save_media", { media }),

  desktopSettings: () => invoke<DesktopSettings>("desktop_settings"),
  /** Resolves to the settings in effect (rejects when, say, autostart is unavailable). */
  setDesktopSettings: (settings: DesktopSettings) =>
    invoke<DesktopSettings>("set_desktop_settings", { settings }),
  /** Which conversation is on screen, so its messages do not notify. */
  setOpenConversation: (conversation_id: ConversationId | null) =>
    invoke<void>("set_open_conversation", { conversation_id }),
};

/** A local file's URL for `<img src>` (the asset protocol). */
export function fileUrl(path: string): string {
  return convertFileSrc(path);
}

/** Calls `handler` with every change the core reports; resolves to the unsubscriber. */
export function onCoreEvent(handler: (event: CoreEvent) => void): Promise<UnlistenFn> {
  return listen<CoreEvent>("core-event", (e) => handler(e.payload));
}

/** The shell's own events (not the core's), by name, with their payloads. */
export type DesktopEvents = {
  /** The settings changed elsewhere (the tray menu toggles do-not-disturb). */
  "desktop-settings": DesktopSettings;
  /** A notification was clicked: show this conversation. */
  "open-conversation": ConversationId;
  /** A notification went out and the settings want a sound. */
  "play-sound": null;
};

/** Calls `handler` with each `name` event from the shell; resolves to the unsubscriber. */
export function onDesktopEvent<K extends keyof DesktopEvents>(
  name: K,
  handler: (payload: DesktopEvents[K]) => void,
): Promise<UnlistenFn> {
  return listen<DesktopEvents[K]>(name, (e) => handler(e.payload));
}
