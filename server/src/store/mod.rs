//! Persistence in Redis: the system of record for users, sign-ins, conversations and
//! their logs. Methods are grouped by what they store (one file each) and each is one
//! round trip or one atomic script where atomicity matters.
//!
//! The [`Store`] is a cheap handle around one multiplexed, auto-reconnecting connection.
//! When Redis is unreachable, calls fail with `AppError::Unavailable` after a short
//! timeout instead of hanging, so callers can answer "try again" at once.

mod appends;
mod conversations;
pub(crate) mod keys;
mod media;
pub(crate) mod messages;
pub(crate) mod sessions;
mod signals;
mod throttle;
mod users;

use conversations::EventTail;
pub use conversations::{Access, GroupState, NewConversation};
pub use media::MediaRecord;
pub use messages::{AppendOutcome, Change, LogWrite, MembershipChange};
pub use signals::{DeviceUpdate, Mark, Marks};
pub use users::StoredUser;

use crate::error::AppResult;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;
use std::sync::Arc;
use std::time::Duration;
use tidings_shared::{EventBody, UserId};

/// Handle to Redis; clone freely.
#[derive(Clone)]
pub struct Store {
    conn: ConnectionManager,
    client: redis::Client,
    /// Shared: a script holds its Lua source and hash, kilobytes that every clone of the
    /// store (one per request and per connection) would otherwise copy.
    scripts: Arc<Scripts>,
    /// Log appends, grouped into one script call per Redis round trip.
    appends: appends::AppendQueue,
}

struct Scripts {
    append: redis::Script,
    create_conversation: redis::Script,
    raise_field: redis::Script,
    receipt: redis::Script,
    presence: redis::Script,
    rotate_refresh: redis::Script,
}

impl Store {
    /// Connects to Redis at `url`. Fails if Redis cannot be reached now; later outages
    /// are survived by reconnecting. Log appends keep up to `append_calls_in_flight`
    /// script calls in flight (at least one).
    pub async fn connect(url: &str, append_calls_in_flight: usize) -> AppResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let conn = client.get_connection_manager_with_config(config).await?;
        let scripts = Arc::new(Scripts {
            append: redis::Script::new(include_str!("scripts/append.lua")),
            create_conversation: redis::Script::new(include_str!(
                "scripts/create_conversation.lua"
            )),
            raise_field: redis::Script::new(include_str!("scripts/raise_field.lua")),
            receipt: redis::Script::new(include_str!("scripts/receipt.lua")),
            presence: redis::Script::new(include_str!("scripts/presence.lua")),
            rotate_refresh: redis::Script::new(include_str!("scripts/rotate_refresh.lua")),
        });
        Ok(Self {
            appends: appends::AppendQueue::start(
                conn.clone(),
                scripts.clone(),
                append_calls_in_flight,
            ),
            conn,
            client,
            scripts,
        })
    }

    /// The client, for opening the dedicated pub/sub connection.
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// A connection for one call (clones share one multiplexed socket).
    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Publishes a rendered frame on a channel (best effort: sync is the safety net).
    pub async fn publish(&self, channel: &str, frame: &str) -> AppResult<()> {
        let _: i64 = self.conn().publish(channel, frame).await?;
        Ok(())
    }

    /// Why Redis's persistence is weaker than the documented default (AOF with
    /// `appendfsync always`, which makes every ack durable), or `None` when it is not.
    /// Managed Redis may refuse CONFIG; then nothing can be said.
    pub async fn weaker_durability(&self) -> Option<String> {
        let get = |name: &'static str| {
            let mut conn = self.conn();
            async move {
                let pair: Vec<String> = redis::cmd("CONFIG")
                    .arg("GET")
                    .arg(name)
                    .query_async(&mut conn)
                    .await
                    .ok()?;
                pair.get(1).cloned()
            }
        };
        let appendonly = get("appendonly").await?;
        let fsync = get("appendfsync").await?;
        (appendonly != "yes" || fsync != "always").then(|| {
            format!("appendonly={appendonly} appendfsync={fsync}: acknowledged messages can be lost if Redis crashes")
        })
    }

    /// Whether Redis answers a PING (for `/readyz`).
    pub async fn ping(&self) -> AppResult<()> {
        let mut conn = self.conn();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }
}

/// The JSON of an event without `seq`/`ts` (see [`LogWrite::event_tail`]).
pub fn event_tail(sender: &UserId, body: &EventBody) -> AppResult<String> {
    EventTail { sender, body }.render()
}
