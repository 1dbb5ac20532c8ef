//! One connection's bounded queue of frames waiting to be written.
//!
//! The fan-out never waits on a socket: it pushes here and moves on. When the queue is
//! full, an ephemeral frame is dropped (and queued ephemeral frames make room for a
//! durable one); when durable frames still do not fit, the connection is closed with
//! `TOO_SLOW` and the client catches up by `sync` on its next connection.

use axum::extract::ws::Utf8Bytes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use tidings_shared::CloseCode;
use tokio::sync::Notify;

/// Whether a frame may be dropped under pressure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Replies and log events: never dropped (the connection closes instead).
    Durable,
    /// Typing and presence: dropped first when the queue is full.
    Ephemeral,
}

/// Why and how the connection is closing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closing {
    pub code: u16,
    pub reason: &'static str,
}

/// What the writer should do next.
pub enum Next {
    /// Write these frames, in order.
    Frames(Vec<Utf8Bytes>),
    /// Send a close frame and stop.
    Close(Closing),
}

/// Shared handle to one connection's queue.
#[derive(Clone)]
pub struct Outbound {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    ready: Notify,
    closed: Notify,
    capacity: usize,
}

struct State {
    frames: VecDeque<(Utf8Bytes, Priority)>,
    closing: Option<Closing>,
}

impl Outbound {
    /// An empty queue holding at most `capacity` frames.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    // Most connections are idle: the queue grows only when frames wait.
                    frames: VecDeque::new(),
                    closing: None,
                }),
                ready: Notify::new(),
                closed: Notify::new(),
                capacity: capacity.max(1),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queue inconsistent.
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a frame. Returns false when it was dropped (queue full or closing).
    pub fn push(&self, frame: Utf8Bytes, priority: Priority) -> bool {
        let mut state = self.state();
        if state.closing.is_some() {
            return false;
        }
        if state.frames.len() >= self.inner.capacity {
            if priority == Priority::Ephemeral {
                metrics::counter!("tidings_frames_shed_total").increment(1);
                return false;
            }
            if let Some(pos) = state
                .frames
                .iter()
                .position(|(_, p)| *p == Priority::Ephemeral)
            {
                state.frames.remove(pos);
                metrics::counter!("tidings_frames_shed_total").increment(1);
            } else {
                drop(state);
                metrics::counter!("tidings_slow_consumers_total").increment(1);
                self.close(CloseCode::TOO_SLOW, "too slow: reconnect and sync");
                return false;
            }
        }
        state.frames.push_back((frame, priority));
        drop(state);
        self.inner.ready.notify_one();
        true
    }

    /// Asks the writer to close the connection. The first reason given wins.
    pub fn close(&self, code: u16, reason: &'static str) {
        let mut state = self.state();
        if state.closing.is_none() {
            state.closing = Some(Closing { code, reason });
            state.frames.clear();
        }
        drop(state);
        self.inner.ready.notify_one();
        self.inner.closed.notify_waiters();
    }

    /// Whether `close` was called.
    pub fn is_closing(&self) -> bool {
        self.state().closing.is_some()
    }

    /// Resolves once `close` has been called.
    pub async fn closed(&self) {
        loop {
            let notified = self.inner.closed.notified();
            if self.is_closing() {
                return;
            }
            notified.await;
        }
    }

    /// Appends frames queued since `next` returned `frames`, up to `max` in all; none
    /// once the connection is closing (the writer then stops at its next check).
    pub fn take_more(&self, frames: &mut Vec<Utf8Bytes>, max: usize) {
        let mut state = self.state();
        if state.closing.is_some() {
            return;
        }
        let n = state.frames.len().min(max.saturating_sub(frames.len()));
        frames.extend(state.frames.drain(..n).map(|(f, _)| f));
    }

    /// Waits for work: up to `max` frames, or the close.
    pub async fn next(&self, max: usize) -> Next {
        loop {
            {
                let mut state = self.state();
                if let Some(closing) = state.closing {
                    return Next::Close(closing);
                }
                if !state.frames.is_empty() {
                    let n = state.frames.len().min(max.max(1));
                    return Next::Frames(state.frames.drain(..n).map(|(f, _)| f).collect());
                }
            }
            self.inner.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(s: &str) -> Utf8Bytes {
        Utf8Bytes::from(s)
    }

    #[tokio::test]
    async fn ephemeral_frames_are_shed_before_durable_ones() {
        let q = Outbound::new(2);
        assert!(q.push(frame("typing"), Priority::Ephemeral));
        assert!(q.push(frame("m1"), Priority::Durable));
        assert!(
            !q.push(frame("typing2"), Priority::Ephemeral),
            "full: ephemeral dropped"
        );
        assert!(
            q.push(frame("m2"), Priority::Durable),
            "durable evicts queued ephemeral"
        );
        match q.next(10).await {
            Next::Frames(f) => assert_eq!(f, vec![frame("m1"), frame("m2")]),
            Next::Close(_) => panic!("should not close"),
        }
    }

    #[tokio::test]
    async fn frames_queued_after_next_can_join_the_same_write() {
        let q = Outbound::new(10);
        assert!(q.push(frame("ack"), Priority::Durable));
        let Next::Frames(mut frames) = q.next(3).await else {
            panic!("should not close");
        };
        assert!(q.push(frame("event"), Priority::Durable));
        assert!(q.push(frame("e2"), Priority::Durable));
        assert!(q.push(frame("e3"), Priority::Durable));
        q.take_more(&mut frames, 3);
        assert_eq!(frames, vec![frame("ack"), frame("event"), frame("e2")]);
        q.close(CloseCode::NORMAL, "");
        q.take_more(&mut frames, 10);
        assert_eq!(frames.len(), 3, "nothing more once closing");
    }

    #[tokio::test]
    async fn overflow_of_durable_frames_closes_as_too_slow() {
        let q = Outbound::new(1);
        assert!(q.push(frame("m1"), Priority::Durable));
        assert!(!q.push(frame("m2"), Priority::Durable));
        assert!(q.is_closing());
        match q.next(10).await {
            Next::Close(c) => assert_eq!(c.code, CloseCode::TOO_SLOW),
            Next::Frames(_) => panic!("queued frames are dropped once closing"),
        }
        q.closed().await;
    }
}
