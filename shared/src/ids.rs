//! Identifiers that cross the wire.
//!
//! Server-made ids are ULID strings (sortable by creation time); a client-made message id
//! is a UUID so that a client can name a message before the server has seen it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A per-conversation, gapless, server-assigned sequence number. Order is `seq` everywhere.
pub type Seq = u64;

/// An opaque id a client may put on a request; the server echoes it on the reply.
pub type RequestId = String;

/// A client-generated message id, used to de-duplicate retried sends.
pub type ClientMessageId = uuid::Uuid;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[derive(ts_rs::TS)]
        #[ts(export, export_to = "protocol.ts")]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as the string that goes on the wire and into storage keys.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

string_id!(
    /// A person's account id (a ULID string). Stable for life; usernames are for people.
    UserId
);
string_id!(
    /// A direct or group conversation's id (a ULID string).
    ConversationId
);
string_id!(
    /// An uploaded file's id (a ULID string).
    MediaId
);
