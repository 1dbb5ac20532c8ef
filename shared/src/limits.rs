//! Every limit the server enforces, by name. The server answers a breach with a typed
//! error (or, for frame size, the documented close code); clients use the same numbers to
//! refuse early and explain why.

/// Largest WebSocket message a client may send, in bytes. Larger ones close the
/// connection with [`crate::CloseCode::MESSAGE_TOO_BIG`] before they are buffered.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Longest message text, in Unicode scalar values (about 4 pages of prose).
pub const MAX_TEXT_CHARS: usize = 8_000;

/// Default and largest page of `history`.
pub const HISTORY_PAGE_DEFAULT: u32 = 50;
/// See [`HISTORY_PAGE_DEFAULT`].
pub const HISTORY_PAGE_MAX: u32 = 200;

/// Default and largest number of events in one `sync` page, across all conversations.
pub const SYNC_PAGE_DEFAULT: u32 = 500;
/// See [`SYNC_PAGE_DEFAULT`].
pub const SYNC_PAGE_MAX: u32 = 2_000;

/// Usernames: 3 to 32 characters of `a-z 0-9 _ . -`, compared case-insensitively.
pub const USERNAME_MIN_CHARS: usize = 3;
/// See [`USERNAME_MIN_CHARS`].
pub const USERNAME_MAX_CHARS: usize = 32;
/// Display names: 1 to 64 characters, not only whitespace.
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
/// Passwords: at least 10 characters, different from the username.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Passwords: at most 1,024 bytes (hashing cost must stay bounded).
pub const PASSWORD_MAX_BYTES: usize = 1_024;

/// Group titles: 1 to 100 characters.
pub const GROUP_TITLE_MAX_CHARS: usize = 100;
/// Most members a group may have.
pub const GROUP_MAX_MEMBERS: usize = 1_000;

/// Most simultaneous WebSocket connections of one user on one server instance.
pub const MAX_CONNECTIONS_PER_USER: usize = 10;

/// Default sustained message rate per user (frames that write: send, edit, delete), per
/// second, and the burst allowed above it. Breaches get `rate_limited` with `retry_after_ms`.
pub const MESSAGE_RATE_PER_SECOND: u32 = 20;
/// See [`MESSAGE_RATE_PER_SECOND`].
pub const MESSAGE_RATE_BURST: u32 = 40;

/// Failed logins allowed per username, then per client address, within
/// [`LOGIN_THROTTLE_WINDOW_SECS`]; after that, `too_many_attempts`.
pub const LOGIN_FAILURES_PER_USERNAME: u32 = 10;
/// See [`LOGIN_FAILURES_PER_USERNAME`].
pub const LOGIN_FAILURES_PER_ADDRESS: u32 = 50;
/// See [`LOGIN_FAILURES_PER_USERNAME`].
pub const LOGIN_THROTTLE_WINDOW_SECS: u64 = 15 * 60;

/// Access tokens (JWT) live this long; refresh before it ends.
pub const ACCESS_TOKEN_TTL_SECS: u64 = 15 * 60;
/// Refresh tokens live this long unless used (each use rotates them) or revoked.
pub const REFRESH_TOKEN_TTL_SECS: u64 = 30 * 24 * 3600;

/// The server pings every this many seconds...
pub const HEARTBEAT_INTERVAL_SECS: u64 = 20;
/// ...and drops a peer it has heard nothing from for this long.
pub const HEARTBEAT_TIMEOUT_SECS: u64 = 60;

/// Frames waiting to be written to one connection. When full, ephemeral frames are shed
/// first; if durable ones still do not fit, the connection is closed with
/// [`crate::CloseCode::TOO_SLOW`] and the client catches up by `sync` when it returns.
pub const OUTBOUND_QUEUE_FRAMES: usize = 1_024;

/// Time allowed to send the HTTP request head (slowloris guard).
pub const HTTP_HEADER_READ_TIMEOUT_SECS: u64 = 10;

/// While typing, a client repeats `typing` this often...
pub const TYPING_REPEAT_SECS: u64 = 3;
/// ...and members treat it as stopped after this much silence (the server also sends a
/// `typing: false` itself then, and when the person sends a message or disconnects).
pub const TYPING_TIMEOUT_SECS: u64 = 6;
/// Typing frames per user per second (burst 10); more get `rate_limited`.
pub const TYPING_RATE_PER_SECOND: u32 = 5;

/// Distinct emoji on one message; a new one past this gets `too_many_reactions`.
pub const MAX_REACTIONS_PER_MESSAGE: usize = 20;

/// A device counts as connected for this long after its last heartbeat; a server killed
/// without warning has its users shown offline at most this long (plus one sweep) later.
pub const PRESENCE_TTL_SECS: u64 = 30;

/// Default largest upload, in bytes (the server's `--max-upload-bytes` changes it).
pub const MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;
/// Files one message may carry.
pub const MAX_ATTACHMENTS_PER_MESSAGE: usize = 10;
/// Longest stored file name, in bytes.
pub const FILE_NAME_MAX_BYTES: usize = 255;
/// Signed media links work this long (the server's `--media-link-ttl-secs` changes it).
pub const MEDIA_LINK_TTL_SECS: u64 = 15 * 60;
/// Thumbnails fit in a square of this many pixels.
pub const THUMBNAIL_MAX_PX: u32 = 320;
/// Images with more pixels than this are stored (metadata removed) without a thumbnail.
pub const IMAGE_DECODE_MAX_PIXELS: u64 = 64_000_000;
