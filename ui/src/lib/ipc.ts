// The one door to the Rust shell: typed wrappers over Tauri's `invoke` and the
// `core-event` stream. Argument names are snake_case, like the generated types.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  CachedMessage,
  ConnectionState,
  CoreEvent,
  SearchHit,
  SearchQuery,
} from "./protocol/core";
import type {
  ConversationId,
  ConversationSettings,
  ConversationSummary,
  MediaId,
  Presence,
  Role,
  UserId,
  UserProfile,
} from "./protocol/protocol";

/** What a failed command rejects with (the shell's `CommandError`). */
export type CommandError = { code: string; message: string };

/** A message's id chosen by this client (a UUID). */
export type ClientMessageId = string;

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
};

/** Calls `handler` with every change the core reports; resolves to the unsubscriber. */
export function onCoreEvent(handler: (event: CoreEvent) => void): Promise<UnlistenFn> {
  return listen<CoreEvent>("core-event", (e) => handler(e.payload));
}
