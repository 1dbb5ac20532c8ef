//! [`Core`]: the handle the shell and the tests hold. Commands go in through its methods;
//! changes come out as [`CoreEvent`]s; the UI reads state from the cache.

use crate::api::Api;
use crate::cache::{Cache, CachedMessage, OutboxItem, OutboxState};
use crate::error::{CoreError, CoreResult};
use crate::events::{ConnectionState, CoreEvent};
use crate::keychain::{self, Slot};
use crate::media::UploadId;
use crate::notify::{Attention, NotificationPolicy, NotificationSink};
use crate::search::{SearchHit, SearchQuery};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tidings_shared::{
    ClientFrame, ClientMessageId, ConversationId, ConversationSummary, CreateConversation,
    LoginRequest, MediaId, Presence, RegisterRequest, Seq, ServerFrame, Session, UserId,
    UserProfile,
};
use tokio::sync::{broadcast, mpsc, oneshot, watch, Notify};
use tokio::task::JoinHandle;

/// Where the core talks to and keeps its data.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// A directory of this app instance's own (the cache lives here).
    pub data_dir: PathBuf,
}

/// Handle to the running core; clone freely.
#[derive(Clone)]
pub struct Core {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) api: Api,
    server: String,
    pub(crate) data_dir: PathBuf,
    pub(crate) cache: Arc<Cache>,
    pub(crate) events: broadcast::Sender<CoreEvent>,
    session: Mutex<Option<Session>>,
    /// Wakes the live connection to send what the outbox holds.
    pub(crate) outbox_kick: Notify,
    /// Wakes the reconnect loop at once (network came back, the machine woke up).
    pub(crate) nudge: Notify,
    /// Frames for the live connection; while offline they are answered
    /// [`CoreError::Offline`] (requests) or dropped (typing, read marks).
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    runner: tokio::sync::Mutex<Option<Runner>>,
    pending_commands: Mutex<Option<mpsc::UnboundedReceiver<Command>>>,
    /// Whether the live connection is up (requests fail at once with
    /// [`CoreError::Offline`] while it is not).
    pub(crate) online: AtomicBool,
    /// The largest upload the server accepts, from its `hello` (0 until known).
    pub(crate) max_upload_bytes: AtomicU64,
    /// Everyone's presence as last heard (a `presence_list` on connecting, then changes).
    pub(crate) presence: Mutex<HashMap<UserId, Presence>>,
    /// The connection state last published, for a UI that opens between events.
    connection: Mutex<ConnectionState>,
    /// One token refresh at a time: a refresh token is single-use, and two concurrent
    /// refreshes with the same one would look like theft and revoke the sign-in.
    pub(crate) refreshing: tokio::sync::Mutex<()>,
    /// Uploads in progress, by upload id, to cancel them.
    pub(crate) uploads: Mutex<HashMap<UploadId, tokio_util::sync::CancellationToken>>,
    /// One download per local file at a time.
    pub(crate) downloads: tokio::sync::Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>,
    /// Native notifications: where attention is, what was shown, and who shows it.
    pub(crate) attention: Mutex<Attention>,
    pub(crate) notifications: Mutex<NotificationPolicy>,
    pub(crate) notifier: Mutex<Option<Arc<dyn NotificationSink>>>,
    /// Conversation-list refreshes: a ticket per request, taken as it is sent, and the
    /// newest ticket written to the cache. Refreshes run concurrently (one per membership
    /// event) and can answer out of order; an answer overtaken by a newer one must not
    /// be written over it, or the list keeps a stale role until the next change.
    list_requests: AtomicU64,
    list_applied: Mutex<u64>,
}

struct Runner {
    stop: watch::Sender<bool>,
    task: JoinHandle<mpsc::UnboundedReceiver<Command>>,
}

/// A frame for the live connection, and where its answer goes when someone waits for it.
pub(crate) struct Command {
    pub(crate) frame: ClientFrame,
    pub(crate) reply: Option<oneshot::Sender<CoreResult<ServerFrame>>>,
}

impl Core {
    /// Opens the cache in `config.data_dir` (creating or migrating it). Nothing touches
    /// the network until [`Core::start`].
    pub async fn open(config: CoreConfig) -> CoreResult<Core> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| CoreError::Network(format!("data dir: {e}")))?;
        let path = config.data_dir.join("cache.sqlite3");
        let cache = tokio::task::spawn_blocking(move || Cache::open(&path))
            .await
            .map_err(|e| CoreError::Network(e.to_string()))??;
        let (events, _) = broadcast::channel(1024);
        let (commands, receiver) = mpsc::unbounded_channel();
        Ok(Core {
            inner: Arc::new(Inner {
                api: Api::new(&config.server),
                server: config.server.clone(),
                data_dir: config.data_dir.clone(),
                cache: Arc::new(cache),
                events,
                session: Mutex::new(None),
                outbox_kick: Notify::new(),
                nudge: Notify::new(),
                commands,
                runner: tokio::sync::Mutex::new(None),
                pending_commands: Mutex::new(Some(receiver)),
                online: AtomicBool::new(false),
                max_upload_bytes: AtomicU64::new(0),
                presence: Mutex::new(HashMap::new()),
                connection: Mutex::new(ConnectionState::Stopped),
                refreshing: tokio::sync::Mutex::new(()),
                uploads: Mutex::new(HashMap::new()),
                downloads: tokio::sync::Mutex::new(HashMap::new()),
                attention: Mutex::new(Attention::default()),
                notifications: Mutex::new(NotificationPolicy::default()),
                notifier: Mutex::new(None),
                list_requests: AtomicU64::new(0),
                list_applied: Mutex::new(0),
            }),
        })
    }

    fn session_slot(&self) -> MutexGuard<'_, Option<Session>> {
        self.inner.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current session (tokens included); crate-internal.
    pub(crate) fn session(&self) -> Option<Session> {
        self.session_slot().clone()
    }

    pub(crate) fn set_session(&self, session: Option<Session>) {
        *self.session_slot() = session;
    }

    /// Who is signed in.
    pub fn me(&self) -> Option<UserProfile> {
        self.session_slot().as_ref().map(|s| s.user.clone())
    }

    /// Changes, for the UI.
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, event: CoreEvent) {
        if let CoreEvent::Connection(state) = &event {
            *lock(&self.inner.connection) = state.clone();
        }
        let _ = self.inner.events.send(event);
    }

    /// The connection state as last published (the banner's state before any event).
    pub fn connection_state(&self) -> ConnectionState {
        lock(&self.inner.connection).clone()
    }

    /// The cache (the UI's source of truth).
    pub fn cache(&self) -> &Arc<Cache> {
        &self.inner.cache
    }

    /// Creates an account and signs in.
    pub async fn sign_up(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
    ) -> CoreResult<UserProfile> {
        let session = self
            .inner
            .api
            .register(&RegisterRequest {
                username: username.to_owned(),
                display_name: display_name.to_owned(),
                password: password.to_owned(),
            })
            .await?;
        let me = session.user.clone();
        self.signed_in(session).await?;
        Ok(me)
    }

    /// Signs in with a password.
    pub async fn sign_in(&self, username: &str, password: &str) -> CoreResult<UserProfile> {
        let session = self
            .inner
            .api
            .login(&LoginRequest {
                username: username.to_owned(),
                password: password.to_owned(),
            })
            .await?;
        let me = session.user.clone();
        self.signed_in(session).await?;
        Ok(me)
    }

    /// Keeps the session, files its refresh token in the keychain, remembers who signed in
    /// last (the name only), and tells the cache whose it is.
    async fn signed_in(&self, session: Session) -> CoreResult<()> {
        let id = session.user.id.clone();
        let username = session.user.username.clone();
        self.persist(&session).await;
        self.set_session(Some(session));
        let _ = std::fs::write(self.inner.data_dir.join("last-account"), &username);
        self.blocking(move |cache| cache.set_account(&id)).await
    }

    fn slot(&self, username: &str) -> Slot {
        Slot::new(username, &self.inner.server)
    }

    /// Files the session's (rotated) refresh token in the keychain; says so when it cannot.
    pub(crate) async fn persist(&self, session: &Session) {
        let slot = self.slot(&session.user.username);
        let token = session.refresh_token.clone();
        let stored = tokio::task::spawn_blocking(move || keychain::store(&slot, &token)).await;
        let failure = match stored {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        tracing::warn!(reason = %failure, "the session cannot be saved; the next start will ask to sign in");
        self.emit(CoreEvent::SessionNotSaved { reason: failure });
    }

    /// The user who signed in last on this device, if any (to offer [`Core::resume`]).
    pub fn last_account(&self) -> Option<String> {
        std::fs::read_to_string(self.inner.data_dir.join("last-account"))
            .ok()
            .filter(|name| !name.trim().is_empty())
    }

    /// Signs `username` back in without a password, from the refresh token in the
    /// keychain. `Ok(None)` when there is none (or it was revoked): ask for the password.
    pub async fn resume(&self, username: &str) -> CoreResult<Option<UserProfile>> {
        let slot = self.slot(username);
        let lookup = slot.clone();
        let token = match tokio::task::spawn_blocking(move || keychain::load(&lookup)).await {
            Ok(Ok(Some(token))) => token,
            _ => return Ok(None),
        };
        match self.inner.api.refresh(&token).await {
            Ok(session) => {
                let me = session.user.clone();
                self.signed_in(session).await?;
                Ok(Some(me))
            }
            Err(CoreError::Server(e))
                if e.code == tidings_shared::ErrorCode::InvalidRefreshToken =>
            {
                let _ = tokio::task::spawn_blocking(move || keychain::delete(&slot)).await;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Ends the sign-in on the server and forgets it here (the cache stays for next time).
    pub async fn sign_out(&self) -> CoreResult<()> {
        self.stop().await;
        let Some(session) = self.session() else {
            return Ok(());
        };
        let slot = self.slot(&session.user.username);
        let _ = self.inner.api.logout(&session.refresh_token).await;
        let _ = tokio::task::spawn_blocking(move || keychain::delete(&slot)).await;
        self.set_session(None);
        self.emit(CoreEvent::SignedOut);
        Ok(())
    }

    /// Starts the connection loop (idempotent).
    pub async fn start(&self) {
        let mut runner = self.inner.runner.lock().await;
        if runner.is_some() {
            return;
        }
        let receiver = self
            .inner
            .pending_commands
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let Some(receiver) = receiver else { return };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(crate::connection::run(self.clone(), stopped, receiver));
        *runner = Some(Runner { stop, task });
    }

    /// Stops the connection loop and waits for it (the cache stays open).
    pub async fn stop(&self) {
        let mut runner = self.inner.runner.lock().await;
        if let Some(Runner { stop, task }) = runner.take() {
            let _ = stop.send(true);
            if let Ok(receiver) = task.await {
                *self
                    .inner
                    .pending_commands
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some(receiver);
            }
        }
        self.emit(CoreEvent::Connection(ConnectionState::Stopped));
    }

    /// Reconnect now instead of waiting for the backoff (network change, wake-up).
    pub fn reconnect_now(&self) {
        self.inner.nudge.notify_one();
    }

    /// Sends a message: it is in the cache (and on screen) at once as pending, and the
    /// outbox delivers it, with the same client id, until the server acknowledges it.
    pub async fn send_message(
        &self,
        conversation: &ConversationId,
        text: &str,
        attachments: Vec<MediaId>,
    ) -> CoreResult<ClientMessageId> {
        let me = self.me().ok_or(CoreError::SignedOut)?;
        let item = OutboxItem {
            client_id: uuid::Uuid::new_v4(),
            conversation_id: conversation.clone(),
            sender: me.id,
            text: text.to_owned(),
            attachments,
            created_at: now_ms(),
            state: OutboxState::Pending,
            error: None,
        };
        let client_id = item.client_id;
        self.blocking(move |cache| cache.enqueue(&item)).await?;
        self.emit(CoreEvent::MessagesChanged {
            conversation_id: conversation.clone(),
        });
        self.inner.outbox_kick.notify_one();
        Ok(client_id)
    }

    /// Puts a failed message back in the outbox.
    pub async fn retry(&self, client_id: ClientMessageId) -> CoreResult<()> {
        self.blocking(move |cache| cache.retry(&client_id)).await?;
        self.inner.outbox_kick.notify_one();
        Ok(())
    }

    /// Drops a failed message.
    pub async fn discard(&self, client_id: ClientMessageId) -> CoreResult<()> {
        self.blocking(move |cache| cache.discard(&client_id)).await
    }

    /// Opens (or finds) the direct conversation with `username`.
    pub async fn open_direct(&self, username: &str) -> CoreResult<ConversationSummary> {
        let req = CreateConversation::Direct {
            username: username.to_owned(),
        };
        self.create_conversation(req).await
    }

    /// Creates a group.
    pub async fn create_group(
        &self,
        title: &str,
        members: Vec<String>,
    ) -> CoreResult<ConversationSummary> {
        self.create_conversation(CreateConversation::Group {
            title: title.to_owned(),
            members,
        })
        .await
    }

    async fn create_conversation(
        &self,
        req: CreateConversation,
    ) -> CoreResult<ConversationSummary> {
        let token = self.session().ok_or(CoreError::SignedOut)?.access_token;
        let summary = self.inner.api.create_conversation(&token, &req).await?;
        let stored = summary.clone();
        self.blocking(move |cache| cache.upsert_conversation(&stored))
            .await?;
        self.emit(CoreEvent::ConversationsChanged);
        Ok(summary)
    }

    /// Fetches the conversation list from the server into the cache (members, roles and
    /// settings as they are now). When refreshes overlap, the answer to the one asked
    /// last wins, whatever order the answers come in.
    pub async fn refresh_conversations(&self) -> CoreResult<()> {
        let token = crate::connection::access_token(self).await?;
        let ticket = self.inner.list_requests.fetch_add(1, Ordering::SeqCst) + 1;
        let list = self.inner.api.conversations(&token).await?;
        let inner = self.inner.clone();
        let written = self
            .blocking(move |cache| {
                let mut applied = lock(&inner.list_applied);
                if *applied > ticket {
                    // A list asked for later is in the cache already.
                    return Ok(false);
                }
                for summary in &list.conversations {
                    cache.upsert_conversation(summary)?;
                }
                *applied = ticket;
                Ok(true)
            })
            .await?;
        if written {
            self.emit(CoreEvent::ConversationsChanged);
        }
        Ok(())
    }

    /// The conversation list, from the cache.
    pub async fn conversations(&self) -> CoreResult<Vec<ConversationSummary>> {
        self.blocking(|cache| cache.conversations()).await
    }

    /// A page of a conversation, from the cache.
    pub async fn messages(
        &self,
        conversation: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> CoreResult<Vec<CachedMessage>> {
        let cid = conversation.clone();
        self.blocking(move |cache| cache.messages(&cid, before, limit))
            .await
    }

    /// A page of the conversation view like [`Core::messages`], for the screen: when the
    /// cache may lack part of it (a conversation still catching up, whose newest messages
    /// the oldest-first sync has not reached) and the socket is up, it first asks the
    /// server for that page. Offline, or when the server does not answer, the cache's
    /// page is the answer. Everything up to a conversation's cursor is always cached, so
    /// scrolling up through caught-up history never touches the network.
    pub async fn page(
        &self,
        conversation: &ConversationId,
        before: Option<Seq>,
        limit: u32,
    ) -> CoreResult<Vec<CachedMessage>> {
        let cid = conversation.clone();
        let (cursor, head) = self
            .blocking(move |cache| {
                let head = cache.conversation(&cid)?.map(|s| s.head);
                Ok((cache.cursor(&cid)?, head))
            })
            .await?;
        // Without a summary the head is unknown: ask.
        let top = head.map(|head| before.map_or(head, |b| b.saturating_sub(1).min(head)));
        if top.is_none_or(|top| top > cursor) && self.is_online() {
            let asked = self
                .request(ClientFrame::History {
                    conversation_id: conversation.clone(),
                    before,
                    after: None,
                    limit: Some(limit),
                })
                .await;
            match asked {
                Ok(ServerFrame::History { events, .. }) => {
                    let cid = conversation.clone();
                    self.blocking(move |cache| cache.apply_events(&cid, &events))
                        .await?;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "history page not fetched; showing the cache"),
            }
        }
        self.messages(conversation, before, limit).await
    }

    /// Local full-text search over every cached message.
    pub async fn search(&self, query: SearchQuery) -> CoreResult<Vec<SearchHit>> {
        self.blocking(move |cache| cache.search(&query)).await
    }

    /// Tells the conversation I am typing (or stopped). Dropped while offline.
    pub fn set_typing(&self, conversation: &ConversationId, typing: bool) {
        self.fire(ClientFrame::Typing {
            conversation_id: conversation.clone(),
            typing,
        });
    }

    /// I have read up to `seq`. Dropped while offline (the next read sends a newer mark).
    pub fn mark_read(&self, conversation: &ConversationId, seq: Seq) {
        self.fire(ClientFrame::Read {
            conversation_id: conversation.clone(),
            seq,
        });
    }

    /// Sends a frame nobody waits on (dropped while offline).
    pub(crate) fn fire(&self, frame: ClientFrame) {
        if self.is_online() {
            let _ = self.inner.commands.send(Command { frame, reply: None });
        }
    }

    /// Whether the live connection is up right now.
    pub fn is_online(&self) -> bool {
        self.inner.online.load(Ordering::Acquire)
    }

    /// Everyone I share a conversation with whose presence the server has told, as last
    /// heard (for the list's presence dots; `presence` events follow the changes).
    pub fn presence(&self) -> Vec<Presence> {
        lock(&self.inner.presence).values().cloned().collect()
    }

    /// Records presence news and tells the UI.
    pub(crate) fn presence_changed(&self, presence: Presence) {
        lock(&self.inner.presence).insert(presence.user_id.clone(), presence.clone());
        self.emit(CoreEvent::Presence(presence));
    }

    /// Who shows native notifications (the shell sets this; none means none are shown).
    pub fn set_notification_sink(&self, sink: Arc<dyn NotificationSink>) {
        *lock(&self.inner.notifier) = Some(sink);
    }

    /// Where the user's attention is (window focus, open conversation) and their
    /// notification preferences; opening a conversation also resets its burst count.
    pub fn set_attention(&self, attention: Attention) {
        if let Some(open) = &attention.open_conversation {
            lock(&self.inner.notifications).seen(open);
        }
        *lock(&self.inner.attention) = attention;
    }

    /// Raises a notification for a live event if the policy says so.
    pub(crate) async fn maybe_notify(
        &self,
        conversation: &ConversationId,
        event: &tidings_shared::Event,
    ) {
        let Some(sink) = lock(&self.inner.notifier).clone() else {
            return;
        };
        let Some(me) = self.me() else { return };
        let cid = conversation.clone();
        let Ok(Some(summary)) = self.blocking(move |cache| cache.conversation(&cid)).await else {
            return;
        };
        let attention = lock(&self.inner.attention).clone();
        let decision =
            lock(&self.inner.notifications).decide(now_ms(), &me.id, &attention, &summary, event);
        if let Some(notification) = decision {
            // The native call may block (D-Bus); keep it off the async threads.
            let _ = tokio::task::spawn_blocking(move || {
                if let Err(e) = sink.show(&notification) {
                    tracing::warn!(error = %e, "could not show a notification");
                }
            })
            .await;
        }
    }

    /// Runs a cache call on the blocking pool.
    pub(crate) async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Cache) -> crate::cache::CacheResult<T> + Send + 'static,
    ) -> CoreResult<T> {
        let cache = self.inner.cache.clone();
        tokio::task::spawn_blocking(move || f(&cache))
            .await
            .map_err(|e| CoreError::Network(format!("cache task: {e}")))?
            .map_err(CoreError::from)
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
