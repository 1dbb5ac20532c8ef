//! The Tidings wire protocol, written once for the server and every client.
//!
//! Nothing here does I/O: these are the ids, limits, error codes, WebSocket frames and
//! HTTP bodies that cross the network, as plain serde types. docs/PROTOCOL.md describes
//! the same types for people; when one changes, the other changes in the same commit.

pub mod error;
pub mod frames;
pub mod http;
pub mod ids;
pub mod limits;

pub use error::{CloseCode, ErrorBody, ErrorCode};
pub use frames::{
    ClientEnvelope, ClientFrame, ConversationChanges, Event, EventBody, ReactionSummary,
    ServerEnvelope, ServerFrame,
};
pub use http::{
    ConversationKind, ConversationList, ConversationSettings, ConversationSummary,
    CreateConversation, LoginRequest, MediaInfo, MediaLinks, Member, Presence, PresenceState,
    Receipt, RefreshRequest, RegisterRequest, Role, Session, UserProfile,
};
pub use ids::{ClientMessageId, ConversationId, MediaId, RequestId, Seq, UserId};

/// The protocol version this build speaks. The server announces it in `hello`; a client
/// that sees a higher major version than it knows should ask the person to update.
pub const PROTOCOL_VERSION: u32 = 1;
