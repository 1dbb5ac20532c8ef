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
  ConversationSummary,
  MediaId,
  Presence,
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
  if (isCommandError(e)) return FRIENDLY[e.code] ?? e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

const FRIENDLY: Record<string, string> = {
  invalid_credentials: "Wrong username or password.",
  username_taken: "That username is taken.",
  user_not_found: "Nobody has that username.",
  weak_password: "Choose a longer password (at least 10 characters).",
  network: "The server cannot be reached. Check the address and your connection.",
  offline: "Not connected right now. Try again when back online.",
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
